#include "policy_dialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace sightline::ui {

PolicyDialog::PolicyDialog(const PolicyText& p, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Moderation policy"));
    resize(720, 560);
    auto* form = new QFormLayout;
    m_name = new QLineEdit(p.name, this);
    m_prompt = new QPlainTextEdit(p.systemPrompt, this);
    m_rules = new QPlainTextEdit(p.rules.join(QLatin1Char('\n')), this);
    m_rules->setToolTip(tr("One rule per line, e.g. \"prohibited_goods: weapons, drugs, counterfeits\""));
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Instructions"), m_prompt);
    form->addRow(tr("Rules (one per line)"), m_rules);
    form->addRow(tr("Current version"), new QLabel(p.version, this));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* v = new QVBoxLayout(this);
    v->addLayout(form);
    v->addWidget(new QLabel(tr("Saving makes a new policy version; verdicts already given keep the version they were made with."), this));
    v->addWidget(buttons);
}

PolicyText PolicyDialog::policy() const {
    PolicyText p;
    p.name = m_name->text().trimmed();
    p.systemPrompt = m_prompt->toPlainText().trimmed();
    for (const QString& line : m_rules->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty()) p.rules << line.trimmed();
    return p;
}

}  // namespace sightline::ui
