// The strip above the conversation that tells the user something. Two kinds that look different:
//  - an error (warning colours, an icon, stays until dismissed or replaced; may offer the action
//    that fixes it, e.g. "Open model folder…");
//  - an info note (the window's quiet colours, goes away by itself after a few seconds);
//  - a standing note (the info colours, stays until dismissed; its action does not dismiss it),
//    e.g. "this is the demo model" with "Get GLM-4.6V-Flash…".
// GUI thread only.
#pragma once

#include <QFrame>
#include <functional>

class QLabel;
class QPushButton;
class QToolButton;
class QTimer;

namespace sightline::ui {

class NoticeBanner : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Info, Error };
    static constexpr int kInfoMs = 6000;

    explicit NoticeBanner(QWidget* parent = nullptr);
    void showError(const QString& message, const QString& actionText = {}, std::function<void()> action = {});
    void showInfo(const QString& message, int ms = kInfoMs);
    void showNote(const QString& message, const QString& actionText = {}, std::function<void()> action = {});
    QString actionText() const;  // "" when no action is offered
    void dismiss();
    Kind kind() const { return m_kind; }
    QString text() const;

protected:
    void changeEvent(QEvent* event) override;

private:
    // A note or an error: no timeout; the action button shown when actionText and action are given.
    void showStanding(Kind kind, bool actionDismisses, const QString& message, const QString& actionText, std::function<void()> action);
    void restyle();
    Kind m_kind = Kind::Info;
    QLabel* m_icon = nullptr;
    QLabel* m_text = nullptr;
    QPushButton* m_action = nullptr;
    QToolButton* m_close = nullptr;
    QTimer* m_timer = nullptr;
    std::function<void()> m_onAction;
    bool m_actionDismisses = true;  // false for a standing note
    bool m_styling = false;
};

}  // namespace sightline::ui
