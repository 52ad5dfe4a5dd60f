// Help → About (what runs: app, Qt, libtorch, CUDA, driver, GPU — the text comes from the app layer,
// which asks the engine) and Help → Keyboard shortcuts (read from the window's own actions, so the
// sheet cannot drift from the menus). GUI thread only.
#pragma once

#include <QDialog>

class QMainWindow;

namespace sightline::ui {

class AboutDialog : public QDialog {
    Q_OBJECT
public:
    // versions: one "Name: value" per line.
    AboutDialog(const QString& versions, QWidget* parent = nullptr);
};

class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    explicit ShortcutsDialog(QMainWindow* window);
    // "Menu › Action" → key sequence (native text), menus first, then the fixed keys.
    static QList<QPair<QString, QString>> collect(QMainWindow* window);
};

}  // namespace sightline::ui
