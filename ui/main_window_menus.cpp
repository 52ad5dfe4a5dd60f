// MainWindow, the parts around the conversation: menus and shortcuts, recent models, chat
// navigation, Help (About, shortcut sheet), the image viewer, window-wide image drops, docks.
// (main_window.cpp holds the layout, the conversation flow and the status.) GUI thread only.
#include <QAction>
#include <QApplication>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QListWidget>
#include <QMenuBar>
#include <QSettings>
#include <QUrl>
#include <algorithm>

#include "about_dialog.h"
#include "attach_drop_overlay.h"
#include "attach_inspect.h"
#include "chat_list_panel.h"
#include "composer.h"
#include "image_viewer.h"
#include "main_window.h"

namespace sightline::ui {

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* newChatAct = file->addAction(tr("&New chat"), this, &MainWindow::newChat);
    newChatAct->setShortcut(QKeySequence::New);
    file->addAction(tr("&Open model folder…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this, &MainWindow::openModelFolder);
    QAction* modelsAct =
        file->addAction(tr("&Models…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M), this, [this] { Q_EMIT modelsDialogRequested(); });
    modelsAct->setObjectName(QStringLiteral("modelsAction"));
    m_recentMenu = file->addMenu(tr("&Recent models"));
    m_recentMenu->setObjectName(QStringLiteral("recentModelsMenu"));
    rebuildRecentMenu();
    file->addSeparator();
    file->addAction(tr("Export chat as Markdown…"), this, [this] {
        const QString p = QFileDialog::getSaveFileName(this, tr("Export chat"), QString(), tr("Markdown (*.md)"));
        if (!p.isEmpty()) exportChat(p, false);
    });
    file->addAction(tr("Export chat as JSON…"), this, [this] {
        const QString p = QFileDialog::getSaveFileName(this, tr("Export chat"), QString(), tr("JSON (*.json)"));
        if (!p.isEmpty()) exportChat(p, true);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    // Ctrl+V anywhere in the window: a text field with focus handles it itself (it overrides the
    // shortcut); elsewhere the clipboard goes to the composer (an image is attached).
    QAction* pasteAct = edit->addAction(tr("&Paste into the question"), QKeySequence::Paste, m_composer, &Composer::paste);
    pasteAct->setShortcutContext(Qt::WindowShortcut);
    edit->addAction(tr("Attach image…"), QKeySequence(Qt::CTRL | Qt::Key_O), m_composer, &Composer::openFileDialog);
    QAction* stopAct = edit->addAction(tr("Stop answer"), this, &MainWindow::stop);
    stopAct->setShortcut(QKeySequence(Qt::Key_Escape));
    stopAct->setShortcutContext(Qt::WindowShortcut);
    edit->addSeparator();
    QAction* settingsAct = edit->addAction(tr("&Settings…"), this, &MainWindow::openSettings);
    settingsAct->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    settingsAct->setMenuRole(QAction::PreferencesRole);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));
    view->addAction(tr("Next chat"), QKeySequence(Qt::CTRL | Qt::Key_PageDown), this, &MainWindow::nextChat);
    view->addAction(tr("Previous chat"), QKeySequence(Qt::CTRL | Qt::Key_PageUp), this, &MainWindow::previousChat);
    view->addSeparator();
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->setObjectName(QStringLiteral("helpMenu"));
    help->addAction(tr("Get GLM-4.6V-Flash…"), this, &MainWindow::showGetModelHelp);
    help->addAction(tr("&Keyboard shortcuts"), QKeySequence(Qt::CTRL | Qt::Key_Slash), this, &MainWindow::showShortcuts);
    QAction* about = help->addAction(tr("&About Sightline"), this, &MainWindow::showAbout);
    about->setMenuRole(QAction::AboutRole);
}

QStringList MainWindow::recentModels() const {
    return QSettings().value(QStringLiteral("recentModels")).toStringList();
}

void MainWindow::rememberModel(const QString& modelDir) {
    if (modelDir.isEmpty()) return;
    QStringList list = recentModels();
    list.removeAll(modelDir);
    list.prepend(modelDir);
    while (list.size() > kMaxRecentModels) list.removeLast();
    QSettings().setValue(QStringLiteral("recentModels"), list);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList list = recentModels();
    for (int i = 0; i < list.size(); ++i) {
        const QString dir = list[i];
        QAction* a = m_recentMenu->addAction(QStringLiteral("&%1  %2").arg(i + 1).arg(QDir::toNativeSeparators(dir)), this,
                                             [this, dir] { loadModel(dir); });
        a->setToolTip(dir);
    }
    if (list.isEmpty())
        m_recentMenu->addAction(tr("No recent models"))->setEnabled(false);
    else {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear list"), this, [this] {
            QSettings().remove(QStringLiteral("recentModels"));
            rebuildRecentMenu();
        });
    }
}

void MainWindow::openModelFolder() {
    const QString d = QFileDialog::getExistingDirectory(this, tr("GLM-4.6V-Flash folder"), m_settings.modelDir);
    if (!d.isEmpty()) loadModel(d);
}

void MainWindow::loadModel(const QString& modelDir) {
    m_settings.modelDir = modelDir;
    Q_EMIT settingsChanged(m_settings);
    Q_EMIT loadModelRequested(m_settings);
}

void MainWindow::selectChatRow(int delta) {
    // Steps over chats only (the list also holds day headers, whose id is -1).
    if (m_activeRequest) return;
    QListWidget* list = m_chatList->list();
    QList<qint64> ids;
    for (int i = 0; i < list->count(); ++i) {
        const qint64 id = list->item(i)->data(Qt::UserRole).toLongLong();
        if (id >= 0) ids.append(id);
    }
    if (ids.isEmpty()) return;
    const int at = static_cast<int>(ids.indexOf(m_chatId));
    const int next =
        at < 0 ? (delta > 0 ? 0 : static_cast<int>(ids.size()) - 1) : std::clamp(at + delta, 0, static_cast<int>(ids.size()) - 1);
    if (ids[next] != m_chatId) openChat(ids[next]);
}

void MainWindow::nextChat() {
    selectChatRow(+1);
}
void MainWindow::previousChat() {
    selectChatRow(-1);
}

void MainWindow::showAbout() {
    QString versions = m_aboutProvider ? m_aboutProvider() : QString();
    if (versions.isEmpty()) versions = tr("Sightline: %1\nQt: %2").arg(QApplication::applicationVersion(), QString::fromLatin1(qVersion()));
    AboutDialog dlg(versions, this);
    dlg.exec();
}

void MainWindow::showShortcuts() {
    ShortcutsDialog dlg(this);
    dlg.exec();
}

void MainWindow::openImageViewer(const QStringList& paths, int index) {
    if (paths.isEmpty()) return;
    if (index >= 0 && index < paths.size() && isVideoFileName(paths[index])) {
        QDesktopServices::openUrl(QUrl::fromLocalFile(paths[index]));  // the system's player plays it
        return;
    }
    if (!m_viewer) m_viewer = new ImageViewer(this);  // deletes itself on close
    m_viewer->setImages(paths, index);
    m_viewer->show();
    m_viewer->raise();
    m_viewer->activateWindow();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (!mimeHasImages(e->mimeData())) {
        e->ignore();  // a folder, a CSV, text: not ours
        return;
    }
    e->acceptProposedAction();
    m_dropOverlay->setActive(true);
}

void MainWindow::dragMoveEvent(QDragMoveEvent* e) {
    if (mimeHasImages(e->mimeData()))
        e->acceptProposedAction();
    else
        e->ignore();
}

void MainWindow::dragLeaveEvent(QDragLeaveEvent* e) {
    m_dropOverlay->setActive(false);
    QMainWindow::dragLeaveEvent(e);
}

void MainWindow::dropEvent(QDropEvent* e) {
    m_dropOverlay->setActive(false);
    if (!mimeHasImages(e->mimeData())) {
        e->ignore();
        return;
    }
    m_composer->addFromMimeData(e->mimeData());
    e->acceptProposedAction();
    activateWindow();
    m_composer->setFocus();
}

QDockWidget* MainWindow::addMonitorDock(QWidget* monitor) {
    auto* dock = new QDockWidget(tr("Performance"), this);
    dock->setObjectName(QStringLiteral("performanceDock"));
    dock->setWidget(monitor);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    if (auto* view = menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"))) view->addAction(dock->toggleViewAction());
    // Opened, it takes about a third of the height: the conversation and the composer keep the rest.
    connect(dock, &QDockWidget::visibilityChanged, this, [this, dock](bool visible) {
        if (!visible || dock->isFloating() || dock->property("sized").toBool()) return;
        dock->setProperty("sized", true);
        resizeDocks({dock}, {std::max(180, height() / 3)}, Qt::Vertical);
    });
    dock->hide();
    return dock;
}

}  // namespace sightline::ui
