#include "review_widget.h"

#include <QAbstractButton>
#include <QColor>
#include <QComboBox>
#include <QHBoxLayout>
#include <QImageReader>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTextEdit>
#include <QVBoxLayout>
#include <algorithm>

namespace sightline::ui {
namespace {

bool agrees(const ReviewItem& i) {
    return i.decision == i.verdict || (i.decision == QLatin1String("escalate") && i.verdict == QLatin1String("review"));
}

// Row colour by the model's verdict (errors grey-red); readable on light and dark palettes.
QColor verdictColor(const ReviewItem& i) {
    if (i.status == QLatin1String("error")) return QColor(0xB0, 0x40, 0x40);
    if (i.verdict == QLatin1String("approve")) return QColor(0x2E, 0x8B, 0x3E);
    if (i.verdict == QLatin1String("reject")) return QColor(0xD0, 0x30, 0x30);
    if (i.verdict == QLatin1String("review")) return QColor(0xC8, 0x8A, 0x10);
    return QColor();  // pending: the palette's text colour
}

// Where letters are text, not review keys.
bool isTextEditor(QObject* o) {
    if (qobject_cast<QLineEdit*>(o) || qobject_cast<QTextEdit*>(o) || qobject_cast<QPlainTextEdit*>(o)) return true;
    auto* combo = qobject_cast<QComboBox*>(o);
    return combo && combo->isEditable();
}

}  // namespace

ReviewWidget::ReviewWidget(QWidget* parent) : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    auto* top = new QHBoxLayout;
    auto* importBtn = new QPushButton(tr("Import queue…"), this);
    auto* runBtn = new QPushButton(tr("Run model"), this);
    m_pause = new QPushButton(tr("Pause"), this);
    m_pause->setCheckable(true);
    auto* cancelBtn = new QPushButton(tr("Cancel"), this);
    auto* exportBtn = new QPushButton(tr("Export…"), this);
    auto* policyBtn = new QPushButton(tr("Policy…"), this);
    auto* evalBtn = new QPushButton(tr("Evaluate…"), this);
    evalBtn->setToolTip(tr("Measure the verdicts against labels you import: precision, recall, F1, confusion, calibration"));
    auto* undoBtn = new QPushButton(tr("Undo decision"), this);
    undoBtn->setToolTip(tr("Take back the last decision made here (Ctrl+Z)"));
    undoBtn->setEnabled(false);
    m_undoButton = undoBtn;
    m_progress = new QProgressBar(this);
    m_runLabel = new QLabel(this);
    for (QWidget* w : std::initializer_list<QWidget*>{importBtn, runBtn, m_pause, cancelBtn, exportBtn, policyBtn, evalBtn, undoBtn}) {
        w->setFocusPolicy(Qt::NoFocus);  // single-letter keys stay with the review
        top->addWidget(w);
    }
    top->addWidget(m_progress, 1);
    top->addWidget(m_runLabel);
    auto* split = new QSplitter(this);
    auto* left = new QWidget(split);
    auto* lv = new QVBoxLayout(left);
    lv->setContentsMargins(0, 0, 0, 0);
    m_filterBox = new QComboBox(left);
    m_filterBox->addItems({tr("All"), tr("Awaiting decision"), tr("Disagreements"), tr("Errors"), tr("Low confidence")});
    m_sortBox = new QComboBox(left);
    m_sortBox->addItems({tr("Queue order"), tr("Lowest confidence first")});
    m_list = new QListWidget(left);
    m_list->setAccessibleName(tr("Moderation queue"));
    lv->addWidget(m_filterBox);
    lv->addWidget(m_sortBox);
    lv->addWidget(m_list, 1);
    auto* right = new QWidget(split);
    auto* rv = new QVBoxLayout(right);
    m_image = new QLabel(right);
    m_image->setAlignment(Qt::AlignCenter);
    m_image->setMinimumSize(320, 120);  // grows with the dock (stretch 3); small so a short dock never overflows
    m_image->setAccessibleName(tr("Listing image"));
    m_details = new QLabel(right);
    m_details->setWordWrap(true);
    m_details->setMinimumWidth(200);
    m_details->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // long raw answers wrap, never widen the window
    m_details->setTextFormat(Qt::RichText);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note = new QLineEdit(right);
    m_note->setPlaceholderText(tr("Note (optional), then A approve · R reject · E escalate · N/P next/previous · Ctrl+Z undo"));
    m_note->setAccessibleName(tr("Reviewer note"));
    m_note->installEventFilter(this);
    m_metrics = new QLabel(right);
    m_metrics->setWordWrap(true);
    m_notice = new QLabel(right);
    m_notice->setWordWrap(true);
    m_notice->setTextFormat(Qt::PlainText);
    m_notice->setStyleSheet(QStringLiteral("QLabel { color: #9a5b00; }"));
    m_notice->setAccessibleName(tr("Import warnings"));
    m_notice->hide();
    rv->addWidget(m_notice);
    rv->addWidget(m_image, 3);
    rv->addWidget(m_details, 2);
    rv->addWidget(m_note);
    rv->addWidget(m_metrics);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(1, 1);
    auto* v = new QVBoxLayout(this);
    v->addLayout(top);
    v->addWidget(split, 1);

    connect(importBtn, &QPushButton::clicked, this, &ReviewWidget::importRequested);
    connect(runBtn, &QPushButton::clicked, this, &ReviewWidget::runRequested);
    connect(m_pause, &QPushButton::toggled, this, [this](bool paused) {
        renderRunState();
        Q_EMIT pauseRequested(paused);
    });
    connect(cancelBtn, &QPushButton::clicked, this, [this] {
        if (m_run.running) {
            m_run.running = false;
            m_run.text = tr("Stopping… %1/%2").arg(m_run.done).arg(m_run.total);
            renderRunState();
        }
        Q_EMIT cancelRequested();
    });
    connect(undoBtn, &QPushButton::clicked, this, &ReviewWidget::undo);
    connect(exportBtn, &QPushButton::clicked, this, &ReviewWidget::exportRequested);
    connect(policyBtn, &QPushButton::clicked, this, &ReviewWidget::policyEditRequested);
    connect(evalBtn, &QPushButton::clicked, this, &ReviewWidget::evaluationRequested);
    connect(m_filterBox, &QComboBox::currentIndexChanged, this, [this](int i) { setFilter(static_cast<Filter>(i)); });
    connect(m_sortBox, &QComboBox::currentIndexChanged, this, [this](int i) { setSortByConfidence(i == 1); });
    connect(m_list, &QListWidget::currentRowChanged, this, [this] { showCurrent(); });
    // The review keys reach every child (the list's type-to-search would eat them), except text
    // editors: the note field keeps its letters and its own Ctrl+Z.
    for (QWidget* w : findChildren<QWidget*>())
        if (w != m_note && !isTextEditor(w)) w->installEventFilter(this);
}

void ReviewWidget::setItems(const QList<ReviewItem>& items) {
    m_items = items;
    rebuildList();
}

void ReviewWidget::updateItem(const ReviewItem& item) {
    for (auto& i : m_items)
        if (i.id == item.id) i = item;
    const QString keep = currentId();
    rebuildList();
    Q_UNUSED(keep);
}

void ReviewWidget::setMetrics(const QString& text) {
    m_metrics->setText(text);
}

void ReviewWidget::setRunState(const QString& text, int done, int total, bool running) {
    m_run.running = running;
    m_run.text = text;
    m_run.done = done;
    m_run.total = total;
    if (!running) {
        const QSignalBlocker b(m_pause);
        m_pause->setChecked(false);
    }
    renderRunState();
}

void ReviewWidget::setRunProgress(int done, int total, int errors, double itemsPerMinute, double etaSeconds) {
    m_run.running = true;
    m_run.done = done;
    m_run.total = total;
    m_run.errors = errors;
    m_run.itemsPerMinute = itemsPerMinute;
    m_run.etaSeconds = etaSeconds;
    renderRunState();
}

void ReviewWidget::setPaused(bool paused) {
    m_pause->setChecked(paused);
}

void ReviewWidget::renderRunState() {
    m_progress->setRange(0, std::max(1, m_run.total));
    m_progress->setValue(std::min(m_run.done, std::max(1, m_run.total)));
    QString text;
    if (!m_run.running) {
        text = m_run.text;
    } else if (m_pause->isChecked()) {
        text = tr("Paused · %1/%2").arg(m_run.done).arg(m_run.total);  // no rate or ETA: nothing is moving
    } else {
        text = tr("%1/%2").arg(m_run.done).arg(m_run.total);
        if (m_run.errors > 0) text += tr(" · %1 errors").arg(m_run.errors);
        if (m_run.itemsPerMinute > 0)
            text += tr(" · %1 items/min · ETA %2 s").arg(m_run.itemsPerMinute, 0, 'f', 1).arg(m_run.etaSeconds, 0, 'f', 0);
    }
    m_runLabel->setText(text);
}

void ReviewWidget::setNotice(const QString& text) {
    m_notice->setText(text);
    m_notice->setVisible(!text.isEmpty());
}

QString ReviewWidget::runText() const {
    return m_runLabel->text();
}
QString ReviewWidget::metricsText() const {
    return m_metrics->text();
}
QString ReviewWidget::noticeText() const {
    return m_notice->text();
}
QString ReviewWidget::detailsHtml() const {
    return m_details->text();
}
QString ReviewWidget::rowText(int row) const {
    return row >= 0 && row < m_list->count() ? m_list->item(row)->text() : QString();
}
QColor ReviewWidget::rowColor(int row) const {
    return row >= 0 && row < m_list->count() ? m_list->item(row)->foreground().color() : QColor();
}

void ReviewWidget::undo() {
    if (m_undo.isEmpty()) return;
    const QString id = m_undo.takeLast();
    m_undoButton->setEnabled(!m_undo.isEmpty());
    for (auto& i : m_items)
        if (i.id == id) {
            i.decision.clear();
            i.note.clear();
        }
    Q_EMIT undoRequested(id);
    rebuildList();
    const int row = visibleIds().indexOf(id);
    if (row >= 0) m_list->setCurrentRow(row);  // back to the item, to decide it again
}

void ReviewWidget::setFilter(Filter f) {
    m_filter = f;
    const QSignalBlocker b(m_filterBox);
    m_filterBox->setCurrentIndex(static_cast<int>(f));
    rebuildList();
}

void ReviewWidget::setSortByConfidence(bool on) {
    m_sortByConfidence = on;
    const QSignalBlocker b(m_sortBox);
    m_sortBox->setCurrentIndex(on ? 1 : 0);
    rebuildList();
}

QString ReviewWidget::currentId() const {
    auto* it = m_list->currentItem();
    return it ? it->data(Qt::UserRole).toString() : QString();
}

QStringList ReviewWidget::visibleIds() const {
    QStringList out;
    for (int i = 0; i < m_list->count(); ++i) out << m_list->item(i)->data(Qt::UserRole).toString();
    return out;
}

void ReviewWidget::rebuildList() {
    const QString keep = currentId();
    QList<const ReviewItem*> shown;
    for (const auto& i : m_items) {
        bool ok = true;
        switch (m_filter) {
            case Filter::All:
                break;
            case Filter::Undecided:
                ok = i.decision.isEmpty();
                break;
            case Filter::Disagreements:
                ok = !i.decision.isEmpty() && !i.verdict.isEmpty() && !agrees(i);
                break;
            case Filter::Errors:
                ok = i.status == QLatin1String("error");
                break;
            case Filter::LowConfidence:
                ok = i.confidence >= 0 && i.confidence < kLowConfidence;
                break;
        }
        if (ok) shown.append(&i);
    }
    if (m_sortByConfidence)
        std::stable_sort(shown.begin(), shown.end(), [](const ReviewItem* a, const ReviewItem* b) {
            const double ca = a->confidence < 0 ? 2 : a->confidence, cb = b->confidence < 0 ? 2 : b->confidence;
            return ca < cb;
        });
    const QSignalBlocker b(m_list);
    m_list->clear();
    int select = 0;
    for (const ReviewItem* i : shown) {
        QString label = i->title.trimmed().isEmpty() ? i->id : i->title.simplified().left(80);
        if (!i->verdict.isEmpty())
            label += QStringLiteral(" · ") + i->verdict;
        else if (i->status == QLatin1String("error"))
            label += QStringLiteral(" · ") + tr("error");
        if (i->confidence >= 0) label += QStringLiteral(" (%1)").arg(i->confidence, 0, 'f', 2);
        if (!i->decision.isEmpty()) label += QStringLiteral(" → ") + i->decision;
        auto* item = new QListWidgetItem(label, m_list);
        item->setData(Qt::UserRole, i->id);
        item->setToolTip(i->id);
        if (const QColor c = verdictColor(*i); c.isValid()) item->setForeground(c);
        if (i->id == keep) select = m_list->count() - 1;
    }
    if (m_list->count() > 0) m_list->setCurrentRow(select);
    showCurrent();
}

void ReviewWidget::showCurrent() {
    m_shownSince.restart();
    const QString id = currentId();
    const ReviewItem* cur = nullptr;
    for (const auto& i : m_items)
        if (i.id == id) cur = &i;
    if (!cur) {
        m_image->clear();
        m_details->setText(tr("Nothing to review with this filter."));
        return;
    }
    QImageReader reader(cur->imagePath);
    reader.setAutoTransform(true);
    const QImage img = reader.read();
    if (img.isNull())
        m_image->setText(tr("Cannot show %1").arg(cur->imagePath));
    else
        m_image->setPixmap(QPixmap::fromImage(img).scaled(m_image->size().expandedTo(m_image->minimumSize()), Qt::KeepAspectRatio,
                                                          Qt::SmoothTransformation));
    QString html = QStringLiteral("<h3>%1</h3><p>%2</p>").arg(cur->title.toHtmlEscaped(), cur->text.toHtmlEscaped());
    if (!cur->duplicateOf.isEmpty()) html += tr("<p><i>Duplicate of %1</i></p>").arg(cur->duplicateOf.toHtmlEscaped());
    if (cur->status == QLatin1String("error")) {
        const QString why = cur->error.isEmpty() ? tr("Model output could not be read.") : cur->error;
        html += tr("<p><b>Not judged:</b> %1</p>").arg(why.left(600).toHtmlEscaped());
        if (!cur->raw.isEmpty())
            html += tr("<p>Raw answer:</p><p style=\"white-space: pre-wrap; font-family: monospace;\">%1</p>")
                        .arg(cur->raw.left(600).toHtmlEscaped());
    } else if (!cur->verdict.isEmpty())
        html += tr("<p><b>Model: %1</b> (confidence %2)<br>Reasons: %3<br>Categories: %4</p>")
                    .arg(cur->verdict, QString::number(cur->confidence, 'f', 2), cur->reasons.join(QStringLiteral("; ")).toHtmlEscaped(),
                         cur->categories.join(QStringLiteral(", ")).toHtmlEscaped());
    else
        html += tr("<p><i>Not judged yet.</i></p>");
    if (!cur->decision.isEmpty()) html += tr("<p>Decision: <b>%1</b> %2</p>").arg(cur->decision, cur->note.toHtmlEscaped());
    m_details->setText(html);
    m_note->setText(cur->note);
}

void ReviewWidget::decide(const QString& decision) {
    const QString id = currentId();
    if (id.isEmpty()) return;
    const double ms = double(m_shownSince.elapsed());
    for (auto& i : m_items)
        if (i.id == id) {
            i.decision = decision;
            i.note = m_note->text();
        }
    m_undo.removeAll(id);
    m_undo.append(id);
    m_undoButton->setEnabled(true);
    Q_EMIT decisionMade(id, decision, m_note->text(), ms);
    const int row = m_list->currentRow();
    rebuildList();
    // Advance to the next item in view (the decided one may have left the filter).
    const int next = visibleIds().indexOf(id) >= 0 ? row + 1 : row;
    if (next < m_list->count()) m_list->setCurrentRow(next);
    m_note->clear();
}

void ReviewWidget::move(int delta) {
    const int row = std::clamp(m_list->currentRow() + delta, 0, std::max(0, m_list->count() - 1));
    m_list->setCurrentRow(row);
}

bool ReviewWidget::handleReviewKey(QKeyEvent* e) {
    const auto mods = e->modifiers() & ~(Qt::KeypadModifier | Qt::ShiftModifier);
    if (e->key() == Qt::Key_Z && mods == Qt::ControlModifier) {
        undo();
        return true;
    }
    if (mods != Qt::NoModifier) return false;
    switch (e->key()) {
        case Qt::Key_A:
            decide(QStringLiteral("approve"));
            return true;
        case Qt::Key_R:
            decide(QStringLiteral("reject"));
            return true;
        case Qt::Key_E:
            decide(QStringLiteral("escalate"));
            return true;
        case Qt::Key_N:
            move(1);
            return true;
        case Qt::Key_P:
            move(-1);
            return true;
        default:
            return false;
    }
}

void ReviewWidget::keyPressEvent(QKeyEvent* e) {
    if (!handleReviewKey(e)) QWidget::keyPressEvent(e);
}

bool ReviewWidget::eventFilter(QObject* watched, QEvent* event) {
    if (watched != m_note && event->type() == QEvent::KeyPress && !isTextEditor(watched))
        if (handleReviewKey(static_cast<QKeyEvent*>(event))) return true;
    // In the note field letters are text; Ctrl+Enter / Enter hands focus back to the keys.
    if (watched == m_note && event->type() == QEvent::KeyPress) {
        auto* k = static_cast<QKeyEvent*>(event);
        if (k->key() == Qt::Key_Return || k->key() == Qt::Key_Enter || k->key() == Qt::Key_Escape) {
            setFocus();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace sightline::ui
