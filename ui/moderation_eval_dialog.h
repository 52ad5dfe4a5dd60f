// The moderation station's evaluation: the model's verdicts on the current queue against labels a
// person imported (a CSV of id,label,category): per label and per reject category precision,
// recall, F1 and support, macro-F1 and agreement, the confusion matrix, and the calibration of the
// verdict-token confidence (ECE and a reliability table). A modeless window the app keeps current
// while verdicts come in. It only shows what it is given (EvalView); the numbers are computed by
// app/moderation/moderation_eval. GUI thread only.
#pragma once

#include <QDialog>
#include <QList>
#include <QStringList>

class QLabel;
class QTextBrowser;

namespace sightline::ui {

struct EvalTable {
    QString title;
    QStringList header;
    QList<QStringList> rows;
};

struct EvalView {
    QString labelsFile;  // "" until labels are imported
    QString summary;     // one line: items, agreement, macro-F1, ECE
    QStringList notes;   // items without a verdict, verdicts without a label, …
    QList<EvalTable> tables;
};

class ModerationEvalDialog : public QDialog {
    Q_OBJECT
public:
    explicit ModerationEvalDialog(QWidget* parent = nullptr);
    void setView(const EvalView& view);
    const EvalView& view() const { return m_view; }
    QString html() const;  // what the tables show (tests)

Q_SIGNALS:
    void importLabelsRequested();

private:
    EvalView m_view;
    QLabel* m_source = nullptr;
    QTextBrowser* m_tables = nullptr;
};

}  // namespace sightline::ui
