#include "message_widget.h"

#include <QHBoxLayout>
#include <cmath>
#include <QLabel>
#include <QRegularExpression>
#include <QTextBrowser>
#include <QTextDocument>
#include <QToolButton>
#include <QVBoxLayout>

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

QTextBrowser* makeAutoHeightBrowser(QWidget* parent) { return new AutoHeightBrowser(parent); }

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
    header->addStretch();
    auto tool = [this, header](const QString& text, const QString& tip) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAccessibleName(tip);
        b->setAutoRaise(true);
        header->addWidget(b);
        return b;
    };
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
    v->addWidget(m_answer);
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
    render();
}

void MessageWidget::setMessage(const ChatMessageUi& message) {
    m_message = message;
    render();
}

QString MessageWidget::answerMarkdown() const { return splitThinking(m_message.text).answer; }

void MessageWidget::render() {
    const bool user = m_message.role == QLatin1String("user");
    m_role->setText(user ? tr("You") : tr("GLM-4.6V"));
    // Images (user turns)
    while (m_images->count() > 1) delete m_images->takeAt(0)->widget();
    for (const auto& im : m_message.images) {
        auto* l = new QLabel(this);
        l->setPixmap(QPixmap::fromImage(im.thumbnail).scaled(96, 96, Qt::KeepAspectRatio, Qt::SmoothTransformation));
        l->setToolTip(im.path + (im.preflight.isEmpty() ? QString() : QStringLiteral("\n") + im.preflight));
        l->setAccessibleName(tr("Attached image %1").arg(im.path));
        m_images->insertWidget(m_images->count() - 1, l);
    }
    const ThinkSplit t = user ? ThinkSplit{QString(), m_message.text, false} : splitThinking(m_message.text);
    const bool hasReasoning = !t.reasoning.isEmpty() || t.reasoningOpen;
    m_thinkToggle->setVisible(hasReasoning);
    m_thinkToggle->setText(t.reasoningOpen ? tr("Thinking…") : tr("Reasoning"));
    if (hasReasoning) m_reasoning->setMarkdown(t.reasoning);
    if (!hasReasoning) m_reasoning->setVisible(false);
    QString answer = t.answer;
    // GLM wraps final answers in box markers; they are structure, not text to show.
    answer.remove(QStringLiteral("<|begin_of_box|>")).remove(QStringLiteral("<|end_of_box|>"));
    if (m_message.state == MessageState::Streaming) answer += QStringLiteral(" ▍");
    if (user) m_answer->setPlainText(answer);
    else m_answer->setMarkdown(answer);

    QString status;
    if (m_message.stats) status = m_message.stats->summary();
    if (m_message.state == MessageState::Stopped) status = tr("Stopped. ") + status;
    if (m_message.state == MessageState::Failed) status = tr("Error: %1").arg(m_message.error);
    m_stats->setText(status);
    m_stats->setVisible(!status.isEmpty());
    m_copyCode->setVisible(!user && answer.contains(QLatin1String("```")));
    m_regenerate->setVisible(!user && m_message.state != MessageState::Streaming);
    m_edit->setVisible(user);
    m_copy->setVisible(m_message.state != MessageState::Streaming);
}

}  // namespace sightline::ui
