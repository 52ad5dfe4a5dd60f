#include "message_widget.h"

#include "boxes_view.h"

#include <QDesktopServices>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QRegularExpression>
#include <QTextBrowser>
#include <QTextDocument>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

namespace sightline::ui {
namespace {

// A QTextBrowser as tall as its document at the current width (re-fitted on every resize and
// content change), so the conversation scrolls as one column.
class AutoHeightBrowser : public QTextBrowser {
public:
    explicit AutoHeightBrowser(QWidget* parent) : QTextBrowser(parent) {
        setOpenExternalLinks(true);
        setFrameShape(QFrame::NoFrame);
        setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        connect(document(), &QTextDocument::contentsChanged, this, &AutoHeightBrowser::fit);
    }
    void fit() {
        document()->setTextWidth(viewport()->width());
        const int h = static_cast<int>(std::ceil(document()->size().height())) + 2 * frameWidth() + 2;
        if (h != height()) setFixedHeight(h);
    }

protected:
    void resizeEvent(QResizeEvent* e) override {
        QTextBrowser::resizeEvent(e);
        fit();
    }
};

QTextBrowser* makeAutoHeightBrowser(QWidget* parent) {
    return new AutoHeightBrowser(parent);
}

QString firstCodeBlock(const QString& md) {
    static const QRegularExpression re(QStringLiteral("```[^\\n]*\\n(.*?)```"), QRegularExpression::DotMatchesEverythingOption);
    const auto m = re.match(md);
    return m.hasMatch() ? m.captured(1) : QString();
}

}  // namespace

MessageWidget::MessageWidget(const ChatMessageUi& message, QWidget* parent) : QFrame(parent), m_message(message) {
    setObjectName(message.role == QLatin1String("user") ? QStringLiteral("userMessage") : QStringLiteral("assistantMessage"));
    setFrameShape(QFrame::StyledPanel);
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(10, 8, 10, 8);
    auto* header = new QHBoxLayout;
    m_role = new QLabel(this);
    QFont f = m_role->font();
    f.setBold(true);
    m_role->setFont(f);
    header->addWidget(m_role);
    auto tool = [this, header](const QString& text, const QString& tip) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAccessibleName(tip);
        b->setAutoRaise(true);
        header->addWidget(b);
        return b;
    };
    m_prevVersion = tool(QStringLiteral("‹"), tr("Previous version"));
    m_version = new QLabel(this);
    m_version->setObjectName(QStringLiteral("version"));
    header->addWidget(m_version);
    m_nextVersion = tool(QStringLiteral("›"), tr("Next version"));
    header->addStretch();
    m_copy = tool(tr("Copy"), tr("Copy message"));
    m_copyCode = tool(tr("Copy code"), tr("Copy the first code block"));
    m_edit = tool(tr("Edit"), tr("Edit and resend"));
    m_regenerate = tool(tr("Regenerate"), tr("Regenerate this answer"));
    v->addLayout(header);
    m_images = new QHBoxLayout;
    m_images->addStretch();
    v->addLayout(m_images);
    m_thinkToggle = new QToolButton(this);
    m_thinkToggle->setCheckable(true);
    m_thinkToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_thinkToggle->setArrowType(Qt::RightArrow);
    m_thinkToggle->setAutoRaise(true);
    m_thinkToggle->setAccessibleName(tr("Show reasoning"));
    v->addWidget(m_thinkToggle);
    m_reasoning = makeAutoHeightBrowser(this);
    m_reasoning->setObjectName(QStringLiteral("reasoning"));
    m_reasoning->setVisible(false);
    v->addWidget(m_reasoning);
    m_answer = makeAutoHeightBrowser(this);
    m_answer->setObjectName(QStringLiteral("answer"));
    m_answer->setAccessibleName(tr("Message text"));
    // Links open in the browser, except a box marker (box:N): hovering it highlights its box.
    m_answer->setOpenLinks(false);
    connect(m_answer, &QTextBrowser::anchorClicked, this, [](const QUrl& url) {
        if (url.scheme() != QLatin1String("box")) QDesktopServices::openUrl(url);
    });
    connect(m_answer, &QTextBrowser::highlighted, this,
            [this](const QUrl& url) { m_boxesPanel->highlight(url.scheme() == QLatin1String("box") ? url.path().toInt() : 0); });
    v->addWidget(m_answer);
    m_boxesPanel = new BoxesPanel(this);
    m_boxesPanel->setVisible(false);
    v->addWidget(m_boxesPanel);
    connect(m_boxesPanel, &BoxesPanel::openAnnotated, this, [this](const QString& path) { Q_EMIT imageRequested({path}, 0); });
    // A box under the mouse (on the image or in the legend): its marker in the text turns bold.
    connect(m_boxesPanel, &BoxesPanel::boxHovered, this, [this](int n) {
        if (n == m_hoverBox) return;
        m_hoverBox = n;
        render();
    });
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(
        QStringLiteral("QLabel#error { color: #9b1c1c; background: #fdecec; border: 1px solid #e8a5a5; "
                       "border-radius: 4px; padding: 6px; }"));
    m_error->setVisible(false);
    v->addWidget(m_error);
    m_stats = new QLabel(this);
    m_stats->setObjectName(QStringLiteral("stats"));
    m_stats->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stats->setWordWrap(true);
    QFont sf = m_stats->font();
    sf.setPointSizeF(sf.pointSizeF() * 0.85);
    m_stats->setFont(sf);
    v->addWidget(m_stats);

    connect(m_thinkToggle, &QToolButton::toggled, this, [this](bool on) {
        m_reasoning->setVisible(on);
        m_thinkToggle->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
    });
    connect(m_copy, &QToolButton::clicked, this, [this] { Q_EMIT copyRequested(answerMarkdown()); });
    connect(m_copyCode, &QToolButton::clicked, this, [this] { Q_EMIT copyRequested(firstCodeBlock(answerMarkdown())); });
    connect(m_regenerate, &QToolButton::clicked, this, [this] { Q_EMIT regenerateRequested(m_message.id); });
    connect(m_edit, &QToolButton::clicked, this, [this] { Q_EMIT editRequested(m_message.id); });
    connect(m_prevVersion, &QToolButton::clicked, this, [this] { Q_EMIT versionRequested(m_message.id, -1); });
    connect(m_nextVersion, &QToolButton::clicked, this, [this] { Q_EMIT versionRequested(m_message.id, +1); });
    render();
}

void MessageWidget::setActionsEnabled(bool enabled) {
    m_actionsEnabled = enabled;
    render();
}

void MessageWidget::setContextImages(const QList<ImageRef>& images) {
    m_context = images;
    render();
}

void MessageWidget::setMessage(const ChatMessageUi& message) {
    m_message = message;
    render();
}

QString MessageWidget::answerMarkdown() const {
    return splitThinking(m_message.text).answer;
}

void MessageWidget::render() {
    const bool user = m_message.role == QLatin1String("user");
    const bool streaming = m_message.state == MessageState::Streaming;
    m_role->setText(user ? tr("You") : tr("Assistant"));  // any model answers: the demo, GLM-4.6V, a remote one
    const bool versions = m_message.versionCount > 1;
    m_version->setText(tr("%1/%2").arg(m_message.versionIndex + 1).arg(m_message.versionCount));
    m_version->setAccessibleName(tr("Version %1 of %2").arg(m_message.versionIndex + 1).arg(m_message.versionCount));
    for (QWidget* w : {static_cast<QWidget*>(m_prevVersion), static_cast<QWidget*>(m_version), static_cast<QWidget*>(m_nextVersion)})
        w->setVisible(versions);
    m_prevVersion->setEnabled(m_actionsEnabled && m_message.versionIndex > 0);
    m_nextVersion->setEnabled(m_actionsEnabled && m_message.versionIndex + 1 < m_message.versionCount);
    // Images (user turns)
    while (m_images->count() > 1) {
        QLayoutItem* item = m_images->takeAt(0);
        delete item->widget();
        delete item;
    }
    // Each thumbnail opens the image viewer on the message's images (the chat's own copies).
    QStringList paths;
    for (const auto& im : m_message.images) paths.append(im.path);
    for (int i = 0; i < m_message.images.size(); ++i) {
        const auto& im = m_message.images[i];
        auto* b = new QToolButton(this);
        b->setAutoRaise(true);
        b->setCursor(Qt::PointingHandCursor);
        const QPixmap thumb = QPixmap::fromImage(im.thumbnail).scaled(96, 96, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        b->setIcon(QIcon(thumb));
        b->setIconSize(thumb.isNull() ? QSize(96, 96) : thumb.size());
        const QString name = im.source.isEmpty() ? im.path : im.source;
        b->setToolTip(name + (im.preflight.isEmpty() ? QString() : QStringLiteral("\n") + im.preflight));
        b->setAccessibleName(tr("Attached image %1").arg(name));
        connect(b, &QToolButton::clicked, this, [this, paths, i] { Q_EMIT imageRequested(paths, i); });
        m_images->insertWidget(m_images->count() - 1, b);
    }
    const ThinkSplit t = user ? ThinkSplit{QString(), m_message.text, false} : splitThinking(m_message.text);
    const bool hasReasoning = !t.reasoning.isEmpty() || t.reasoningOpen;
    // Reasoning that never closed is "Thinking…" only while the answer still streams.
    const bool unfinishedThought = t.reasoningOpen && !streaming;
    m_thinkToggle->setVisible(hasReasoning);
    m_thinkToggle->setText(t.reasoningOpen ? (streaming ? tr("Thinking…") : tr("Reasoning (unfinished)")) : tr("Reasoning"));
    if (hasReasoning) m_reasoning->setMarkdown(t.reasoning);
    if (!hasReasoning) m_reasoning->setVisible(false);
    QString answer = t.answer;
    // Grounding boxes: drawn on the conversation's images below the text, each markup in the text
    // replaced by its number (▣N) in the colour of the legend.
    QStringList boxNotes;
    QString marked;
    const QList<UiBox> boxes = user ? QList<UiBox>{} : groundingBoxes(answer, static_cast<int>(m_context.size()), &boxNotes, &marked);
    if (!boxes.isEmpty()) {
        // Each ▣N marker links to its box (box:N); the hovered one is bold.
        static const QRegularExpression marker(QStringLiteral("▣(\\d+)(–\\d+)?"));
        QString linked;
        qsizetype at = 0;
        for (auto it = marker.globalMatch(marked); it.hasNext();) {
            const auto m = it.next();
            linked += marked.mid(at, m.capturedStart() - at);
            const QString link = QStringLiteral("[%1](box:%2)").arg(m.captured(0), m.captured(1));
            linked += m.captured(1).toInt() == m_hoverBox ? QStringLiteral("**") + link + QStringLiteral("**") : link;
            at = m.capturedEnd();
        }
        answer = linked + marked.mid(at);
    }
    m_boxesPanel->setBoxes(boxes, boxes.isEmpty() ? QStringList{} : boxNotes, m_context);
    m_boxesPanel->setVisible(!boxes.isEmpty());
    // GLM wraps final answers in box markers; they are structure, not text to show.
    answer.remove(QStringLiteral("<|begin_of_box|>")).remove(QStringLiteral("<|end_of_box|>"));
    if (streaming) answer += QStringLiteral(" ▍");
    if (user)
        m_answer->setPlainText(answer);
    else
        m_answer->setMarkdown(answer);
    m_answer->setVisible(!answer.isEmpty());

    QString status;
    if (m_message.stats) status = m_message.stats->summary();
    if (m_message.state == MessageState::Stopped)
        status = (unfinishedThought ? tr("Stopped while thinking, before any answer. ") : tr("Stopped. ")) + status;
    if (m_message.state == MessageState::Interrupted)
        status =
            tr("Interrupted: Sightline closed while this answer was being written; what had arrived is kept. Regenerate for a full "
               "answer.");
    const bool failed = m_message.state == MessageState::Failed;
    if (failed) {
        const bool partWay =
            m_message.errorPhase == QLatin1String("stream") || (m_message.errorPhase.isEmpty() && !m_message.text.isEmpty());
        const QString when = partWay ? tr("The answer failed part-way") : tr("The answer failed before it started");
        const bool oom = m_message.error.contains(QLatin1String("out of memory"), Qt::CaseInsensitive);
        const QString todo = oom ? tr("Lower “Max image pixels” in Settings or close other programs using the GPU, then press Retry.")
                                 : tr("Check the images and the model in Settings, then press Retry.");
        m_error->setText(QStringLiteral("%1: %2\n%3").arg(when, m_message.error, todo));
    }
    m_error->setVisible(failed);
    m_stats->setText(status);
    m_stats->setVisible(!status.isEmpty());
    m_copyCode->setVisible(!user && answer.contains(QLatin1String("```")));
    m_regenerate->setText(failed ? tr("Retry") : tr("Regenerate"));
    m_regenerate->setToolTip(failed ? tr("Try this answer again") : tr("Regenerate this answer (the old one stays as a version)"));
    m_regenerate->setVisible(!user && !streaming);
    m_regenerate->setEnabled(m_actionsEnabled);
    m_edit->setVisible(user && m_message.id >= 0);
    m_edit->setEnabled(m_actionsEnabled);
    m_copy->setVisible(!streaming);
}

}  // namespace sightline::ui
