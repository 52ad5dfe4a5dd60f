// Edits a moderation policy: name, system prompt, one rule per line. The app versions what is
// saved (content hash) and uses it for the next queue run.
#pragma once

#include <QDialog>

class QLineEdit;
class QPlainTextEdit;

namespace sightline::ui {

struct PolicyText {
    QString name;
    QString systemPrompt;
    QStringList rules;
    QString version;  // shown, not edited
};

class PolicyDialog : public QDialog {
    Q_OBJECT
public:
    explicit PolicyDialog(const PolicyText& policy, QWidget* parent = nullptr);
    PolicyText policy() const;

private:
    QLineEdit* m_name = nullptr;
    QPlainTextEdit* m_prompt = nullptr;
    QPlainTextEdit* m_rules = nullptr;
};

}  // namespace sightline::ui
