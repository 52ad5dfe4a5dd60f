// Moderation review station: the queue with filters and sorting, one item large (image, title,
// text, model verdict, reasons, confidence), one-key human decisions (A approve, R reject,
// E escalate, N/P next/previous) with a note, and live metrics. Also the queue run controls.
// GUI thread only; the app feeds items and stores decisions.
#pragma once

#include <QElapsedTimer>
#include <QWidget>

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
    void setRunState(const QString& text, int done, int total, bool running);
    void setFilter(Filter f);
    void setSortByConfidence(bool on);
    QString currentId() const;
    QStringList visibleIds() const;
    static constexpr double kLowConfidence = 0.6;

Q_SIGNALS:
    void decisionMade(const QString& id, const QString& decision, const QString& note, double reviewMs);
    void importRequested();
    void runRequested();
    void pauseRequested(bool paused);
    void cancelRequested();
    void exportRequested();
    void policyEditRequested();

protected:
    void keyPressEvent(QKeyEvent* e) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuildList();
    void showCurrent();
    void decide(const QString& decision);
    void move(int delta);
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
    QLabel* m_runLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_pause = nullptr;
    QElapsedTimer m_shownSince;  // review time of the current item
};

}  // namespace sightline::ui
