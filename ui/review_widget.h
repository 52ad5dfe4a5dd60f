// Moderation review station: the queue with filters and sorting, one item large (image, title,
// text, model verdict, reasons, confidence, or why it failed), one-key human decisions
// (A approve, R reject, E escalate, N/P next/previous, Ctrl+Z undo) that work whatever child has
// focus except a text editor, a note, and live metrics. Also the queue run controls: rate and ETA
// are shown only while the run is going (not paused, not stopped).
// GUI thread only; the app feeds items and stores decisions.
#pragma once

#include <QElapsedTimer>
#include <QWidget>

class QColor;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QProgressBar;

namespace sightline::ui {

struct ReviewItem {
    QString id;
    QString imagePath;
    QString title;
    QString text;
    QString status;   // pending, judged, error
    QString error;    // why status is error (unreadable image, unparsable output, ...)
    QString verdict;  // approve, reject, review, "" (not judged / error)
    QStringList reasons;
    QStringList categories;
    double confidence = -1;
    QString raw;
    QString decision;  // approve, reject, escalate, ""
    QString note;
    QString duplicateOf;
};

class ReviewWidget : public QWidget {
    Q_OBJECT
public:
    enum class Filter { All, Undecided, Disagreements, Errors, LowConfidence };
    explicit ReviewWidget(QWidget* parent = nullptr);
    void setItems(const QList<ReviewItem>& items);  // keeps the current item when it is still shown
    void updateItem(const ReviewItem& item);
    void setMetrics(const QString& text);
    // A finished, cancelled or idle state: the text as given, no rate or ETA.
    void setRunState(const QString& text, int done, int total, bool running);
    // A run in progress; the label shows the rate and ETA unless the run is paused.
    void setRunProgress(int done, int total, int errors, double itemsPerMinute, double etaSeconds);
    // Import warnings and similar (empty hides it).
    void setNotice(const QString& text);
    void setPaused(bool paused);  // as the Pause button would
    // Decisions made here that Ctrl+Z / Undo can take back, newest last.
    QStringList undoStack() const { return m_undo; }
    void undo();
    QString runText() const;
    QString metricsText() const;
    QString noticeText() const;
    QString detailsHtml() const;
    QString rowText(int row) const;
    QColor rowColor(int row) const;
    void setFilter(Filter f);
    void setSortByConfidence(bool on);
    QString currentId() const;
    QStringList visibleIds() const;
    static constexpr double kLowConfidence = 0.6;

Q_SIGNALS:
    void decisionMade(const QString& id, const QString& decision, const QString& note, double reviewMs);
    void undoRequested(const QString& id);
    void importRequested();
    void runRequested();
    void pauseRequested(bool paused);
    void cancelRequested();
    void exportRequested();
    void policyEditRequested();
    void evaluationRequested();  // "Evaluate…": the verdicts against imported labels

protected:
    void keyPressEvent(QKeyEvent* e) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    bool handleReviewKey(QKeyEvent* e);  // the single-letter keys and Ctrl+Z; true when used
    void renderRunState();
    void rebuildList();
    void showCurrent();
    void decide(const QString& decision);
    void move(int delta);
    QStringList m_undo;  // ids decided in this widget, newest last
    struct RunView {
        bool running = false;
        int done = 0, total = 0, errors = 0;
        double itemsPerMinute = 0, etaSeconds = 0;
        QString text;  // when not running
    } m_run;
    QList<ReviewItem> m_items;
    Filter m_filter = Filter::All;
    bool m_sortByConfidence = false;
    QListWidget* m_list = nullptr;
    QComboBox* m_filterBox = nullptr;
    QComboBox* m_sortBox = nullptr;
    QLabel* m_image = nullptr;
    QLabel* m_details = nullptr;
    QLineEdit* m_note = nullptr;
    QLabel* m_metrics = nullptr;
    QLabel* m_notice = nullptr;
    QLabel* m_runLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_pause = nullptr;
    QPushButton* m_undoButton = nullptr;  // enabled while m_undo is not empty
    QElapsedTimer m_shownSince;           // review time of the current item
};

}  // namespace sightline::ui
