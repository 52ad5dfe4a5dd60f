// Answers the app's modal dialogs the way a person would, from a timer, while the dialog's own
// event loop runs. The monkey plans an answer before the action that opens the dialog; a modal
// dialog nobody planned for is closed (rejected) after a grace period and reported.
// File dialogs are Qt's own widgets (the monkey sets Qt::AA_DontUseNativeDialogs), so they can
// be filled and accepted in-process on offscreen and xvfb alike.
// GUI thread only.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QTimer>
#include <functional>

class QWidget;

namespace sightline::monkey {

class DialogAnswerer : public QObject {
    Q_OBJECT
public:
    // Gets the dialog; returns a line for the log. It must close the dialog (accept or reject).
    using Answer = std::function<QString(QWidget* dialog)>;

    explicit DialogAnswerer(QObject* parent = nullptr);
    // The next modal dialog that opens gets this answer.
    void plan(Answer answer);
    void clearPlans() { m_plans.clear(); }
    int pendingPlans() const { return int(m_plans.size()); }
    // What happened since the last call: answers given, unexpected dialogs closed.
    QStringList takeEvents();
    int unexpectedCount() const { return m_unexpected; }

    // Ready-made answers.
    static Answer chooseFile(const QString& path);  // a QFileDialog: select this file/folder, accept
    static Answer cancel();                         // reject whatever it is
    static Answer acceptAsIs();                     // a QDialog: accept unchanged
    static Answer confirm();                        // a question box: Yes / OK / the accept button

private:
    void poll();
    QTimer m_timer;
    QList<Answer> m_plans;
    QPointer<QWidget> m_seen;  // the unplanned modal being timed
    QElapsedTimer m_seenFor;
    QStringList m_events;
    int m_unexpected = 0;
};

}  // namespace sightline::monkey
