#include "moderation_eval_dialog.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace sightline::ui {

ModerationEvalDialog::ModerationEvalDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Moderation evaluation"));
    setModal(false);
    resize(680, 640);
    m_source = new QLabel(this);
    m_source->setWordWrap(true);
    m_source->setTextFormat(Qt::PlainText);
    m_tables = new QTextBrowser(this);
    m_tables->setOpenLinks(false);
    m_tables->setAccessibleName(tr("Evaluation tables"));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* importBtn = buttons->addButton(tr("Import labels…"), QDialogButtonBox::ActionRole);
    importBtn->setToolTip(
        tr("A CSV with the columns id,label,category: label approve, reject or escalate; category the rule a "
           "reject breaks"));
    connect(importBtn, &QPushButton::clicked, this, &ModerationEvalDialog::importLabelsRequested);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto* v = new QVBoxLayout(this);
    v->addWidget(m_source);
    v->addWidget(m_tables, 1);
    v->addWidget(buttons);
    setView({});
}

void ModerationEvalDialog::setView(const EvalView& view) {
    m_view = view;
    m_source->setText(view.labelsFile.isEmpty()
                          ? tr("No labels yet. Import a CSV of the right answers (id,label,category) to measure the model's "
                               "verdicts on this queue: it works for any model and any queue.")
                          : tr("Labels: %1 · updated as verdicts come in").arg(QFileInfo(view.labelsFile).fileName()));
    m_source->setToolTip(view.labelsFile);
    QString h;
    if (!view.summary.isEmpty()) h += QStringLiteral("<p><b>%1</b></p>").arg(view.summary.toHtmlEscaped());
    for (const QString& n : view.notes) h += QStringLiteral("<p>%1</p>").arg(n.toHtmlEscaped());
    for (const EvalTable& t : view.tables) {
        h += QStringLiteral("<h4>%1</h4><table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr>").arg(t.title.toHtmlEscaped());
        for (const QString& c : t.header) h += QStringLiteral("<th>%1</th>").arg(c.toHtmlEscaped());
        h += QStringLiteral("</tr>");
        for (const QStringList& row : t.rows) {
            h += QStringLiteral("<tr>");
            for (int i = 0; i < row.size(); ++i)
                h += (i == 0 ? QStringLiteral("<td>%1</td>") : QStringLiteral("<td align=\"right\">%1</td>")).arg(row[i].toHtmlEscaped());
            h += QStringLiteral("</tr>");
        }
        h += QStringLiteral("</table>");
    }
    const int scroll = m_tables->verticalScrollBar()->value();  // a live update keeps the reader's place
    m_tables->setHtml(h);
    m_tables->verticalScrollBar()->setValue(scroll);
}

QString ModerationEvalDialog::html() const {
    return m_tables->toHtml();
}

}  // namespace sightline::ui
