#include "review_widget.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QImageReader>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>

namespace sightline::ui {
namespace {

bool agrees(const ReviewItem& i) {
    return i.decision == i.verdict || (i.decision == QLatin1String("escalate") && i.verdict == QLatin1String("review"));
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
    m_progress = new QProgressBar(this);
    m_runLabel = new QLabel(this);
    for (QWidget* w : std::initializer_list<QWidget*>{importBtn, runBtn, m_pause, cancelBtn, exportBtn, policyBtn}) {
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
    m_image->setMinimumSize(320, 240);
    m_image->setAccessibleName(tr("Listing image"));
    m_details = new QLabel(right);
    m_details->setWordWrap(true);
    m_details->setMinimumWidth(200);
    m_details->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // long raw answers wrap, never widen the window
    m_details->setTextFormat(Qt::RichText);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note = new QLineEdit(right);
    m_note->setPlaceholderText(tr("Note (optional), then A approve · R reject · E escalate · N/P next/previous"));
    m_note->setAccessibleName(tr("Reviewer note"));
    m_note->installEventFilter(this);
    m_metrics = new QLabel(right);
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
    connect(m_pause, &QPushButton::toggled, this, &ReviewWidget::pauseRequested);
    connect(cancelBtn, &QPushButton::clicked, this, &ReviewWidget::cancelRequested);
    connect(exportBtn, &QPushButton::clicked, this, &ReviewWidget::exportRequested);
    connect(policyBtn, &QPushButton::clicked, this, &ReviewWidget::policyEditRequested);
    connect(m_filterBox, &QComboBox::currentIndexChanged, this, [this](int i) { setFilter(static_cast<Filter>(i)); });
    connect(m_sortBox, &QComboBox::currentIndexChanged, this, [this](int i) { setSortByConfidence(i == 1); });
    connect(m_list, &QListWidget::currentRowChanged, this, [this] { showCurrent(); });
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

void ReviewWidget::setMetrics(const QString& text) { m_metrics->setText(text); }

void ReviewWidget::setRunState(const QString& text, int done, int total, bool running) {
    m_runLabel->setText(text);
    m_progress->setRange(0, std::max(1, total));
    m_progress->setValue(done);
    if (!running) m_pause->setChecked(false);
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
            case Filter::All: break;
            case Filter::Undecided: ok = i.decision.isEmpty(); break;
            case Filter::Disagreements: ok = !i.decision.isEmpty() && !i.verdict.isEmpty() && !agrees(i); break;
            case Filter::Errors: ok = i.status == QLatin1String("error"); break;
            case Filter::LowConfidence: ok = i.confidence >= 0 && i.confidence < kLowConfidence; break;
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
        QString label = i->id;
        if (!i->verdict.isEmpty()) label += QStringLiteral(" · ") + i->verdict;
        else if (i->status == QLatin1String("error")) label += QStringLiteral(" · ") + tr("error");
        if (i->confidence >= 0) label += QStringLiteral(" (%1)").arg(i->confidence, 0, 'f', 2);
        if (!i->decision.isEmpty()) label += QStringLiteral(" → ") + i->decision;
        auto* item = new QListWidgetItem(label, m_list);
        item->setData(Qt::UserRole, i->id);
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
    if (img.isNull()) m_image->setText(tr("Cannot show %1").arg(cur->imagePath));
    else m_image->setPixmap(QPixmap::fromImage(img).scaled(m_image->size().expandedTo(QSize(320, 240)), Qt::KeepAspectRatio, Qt::SmoothTransformation));
    QString html = QStringLiteral("<h3>%1</h3><p>%2</p>").arg(cur->title.toHtmlEscaped(), cur->text.toHtmlEscaped());
    if (!cur->duplicateOf.isEmpty()) html += tr("<p><i>Duplicate of %1</i></p>").arg(cur->duplicateOf.toHtmlEscaped());
    if (cur->status == QLatin1String("error"))
        html += tr("<p><b>Model output could not be read.</b> Raw answer:</p><p style=\"white-space: pre-wrap; font-family: monospace;\">%1</p>").arg(cur->raw.left(600).toHtmlEscaped());
    else if (!cur->verdict.isEmpty())
        html += tr("<p><b>Model: %1</b> (confidence %2)<br>Reasons: %3<br>Categories: %4</p>")
                    .arg(cur->verdict, QString::number(cur->confidence, 'f', 2), cur->reasons.join(QStringLiteral("; ")).toHtmlEscaped(),
                         cur->categories.join(QStringLiteral(", ")).toHtmlEscaped());
    else html += tr("<p><i>Not judged yet.</i></p>");
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

void ReviewWidget::keyPressEvent(QKeyEvent* e) {
    switch (e->key()) {
        case Qt::Key_A: decide(QStringLiteral("approve")); return;
        case Qt::Key_R: decide(QStringLiteral("reject")); return;
        case Qt::Key_E: decide(QStringLiteral("escalate")); return;
        case Qt::Key_N: move(1); return;
        case Qt::Key_P: move(-1); return;
        default: QWidget::keyPressEvent(e);
    }
}

bool ReviewWidget::eventFilter(QObject* watched, QEvent* event) {
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
