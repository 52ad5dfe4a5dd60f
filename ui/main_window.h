// The main window: chat history on the side, the conversation, the composer, and a status bar with
// model, device and memory. Talks to the engine only through signals/slots wired by app/.
// The whole window takes image drops (highlighted while dragging); problems show in an error banner
// that stays until dismissed, information in a transient one. GUI thread only.
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <functional>
#include <memory>

#include "chat_types.h"

class QListWidget;
class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QDockWidget;
class QMenu;

namespace sightline::ui {

class ChatListPanel;
class ChatStore;
class ChatView;
class Composer;
class DropOverlay;
class ImageViewer;
class NoticeBanner;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(ChatStore* store, const GenerationSettings& settings, QWidget* parent = nullptr);

    ChatView* chatView() const { return m_view; }
    Composer* composer() const { return m_composer; }
    qint64 currentChat() const { return m_chatId; }
    quint64 activeRequest() const { return m_activeRequest; }
    const GenerationSettings& settings() const { return m_settings; }
    bool modelReady() const { return m_modelReady; }
    ChatListPanel* chatList() const { return m_chatList; }
    // A dock for the performance monitor (added by the app).
    QDockWidget* addMonitorDock(QWidget* monitor);
    NoticeBanner* notice() const { return m_notice; }
    // The "Name: value" lines of Help → About (app, Qt, libtorch, CUDA, driver, GPU); asked for when
    // the dialog opens, so a slow query (CUDA start-up) never delays the window.
    void setAboutProvider(std::function<QString()> provider) { m_aboutProvider = std::move(provider); }
    QStringList recentModels() const;  // newest first, persisted in QSettings ("recentModels")
    static constexpr int kMaxRecentModels = 8;
    // The smallest size at which nothing is cut (composer, status bar, a conversation you can read).
    static constexpr QSize kMinimumSize{720, 520};

    // The bundled demo model's folder ("" when the app has none; app/gui/demo_model.h finds it). The
    // app loads it when no model is configured (the setting stays empty: the demo is never saved as
    // the user's choice); while it is the model the window says so (status line, a standing note
    // with "Get GLM-4.6V-Flash…", the welcome page).
    void setDemoModelDir(const QString& dir);
    const QString& demoModelDir() const { return m_demoDir; }
    bool demoModelActive() const;  // the model loaded or loading is the demo
    NoticeBanner* demoNotice() const { return m_demoNotice; }
    QString modelStatusText() const;
    void showGetModelHelp();  // how to get GLM-4.6V-Flash, with "Open model folder…"

    void openChat(qint64 chatId);
    void newChat();
    void showFirstRunHelp(bool askForFolder);
    void exportChat(const QString& path, bool json);

public Q_SLOTS:
    void send();
    void stop();
    void regenerate(qint64 messageId);
    void editAndResend(qint64 messageId);
    void switchVersion(qint64 messageId, int delta);
    void cancelEdit();
    void openSettings();

    // From the app (queued from the engine thread).
    void onLoadStarted(const QString& modelDir);
    void onLoadProgress(const QString& stage, qint64 done, qint64 total);
    void onModelLoaded(const QString& summary, const QString& device);
    void onLoadFailed(const QString& message, bool cancelled);
    void onChunk(quint64 requestId, const QString& text);
    void onFinished(quint64 requestId, const sightline::ui::MessageStats& stats, const QString& finishReason);
    void onFailed(quint64 requestId, const QString& message, bool outOfMemory);
    void onMemory(qint64 usedBytes, qint64 totalBytes, const QString& device);
    void showProblem(const QString& message);  // an error: stays until dismissed
    void showInfo(const QString& message);     // a transient note
    // Views images large (zoom, fit, 1:1, next/previous). Message widgets can connect their image
    // clicks here; the composer's thumbnails already do.
    void openImageViewer(const QStringList& paths, int index);
    void nextChat();      // Ctrl+PgDown: the chat below the current one in the list
    void previousChat();  // Ctrl+PgUp
    void showAbout();
    void showShortcuts();
    void openModelFolder();
    void loadModel(const QString& modelDir);  // remembers it as the model folder and loads it

Q_SIGNALS:
    void generateRequested(const sightline::ui::GenerationRequest& request);
    void stopRequested(quint64 requestId);
    void loadModelRequested(const sightline::ui::GenerationSettings& settings);
    void cancelLoadRequested();
    void settingsChanged(const sightline::ui::GenerationSettings& settings);
    void modelsDialogRequested();  // File → Models…: the app opens its Models dialog (download, import, will it fit?)

protected:
    void closeEvent(QCloseEvent* event) override;
    void changeEvent(QEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dragLeaveEvent(QDragLeaveEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    bool modelReadyOrSay();                       // false (and the user told why) while no model is loaded
    GenerationSettings loadableSettings() const;  // m_settings, the demo's folder where none is set
    void updateDemoNotice();                      // after a load starts, ends or fails
    QString demoWelcomeHtml() const;
    void buildMenus();
    void rebuildRecentMenu();
    void rememberModel(const QString& modelDir);
    void selectChatRow(int delta);
    void restyle();
    void refreshChatList();
    // Adds a streaming answer under parentId (a user message of the current chat), shows the
    // path and sends it. Uses the request id send() reserved, or a new one.
    void startGeneration(qint64 parentId);
    void finishActive(MessageState state, const std::optional<MessageStats>& stats, const QString& error);
    // send(), once the images are copied into the store (off the GUI thread).
    void continueSend(quint64 requestId, qint64 chatId, ChatMessageUi user, const QString& error);
    void reloadConversation();
    void stashDraft();
    void restoreDraft();

    ChatStore* m_store;
    GenerationSettings m_settings;
    qint64 m_chatId = -1;
    ChatListPanel* m_chatList = nullptr;
    ChatView* m_view = nullptr;
    Composer* m_composer = nullptr;
    QLabel* m_modelLabel = nullptr;
    QLabel* m_memLabel = nullptr;
    QProgressBar* m_loadBar = nullptr;
    QPushButton* m_cancelLoad = nullptr;
    NoticeBanner* m_notice = nullptr;
    NoticeBanner* m_demoNotice = nullptr;  // "this is the demo model", above m_notice
    QString m_demoDir;
    DropOverlay* m_dropOverlay = nullptr;
    QMenu* m_recentMenu = nullptr;
    QPointer<ImageViewer> m_viewer;
    QString m_loadingDir;
    std::function<QString()> m_aboutProvider;
    bool m_restyling = false;
    bool m_modelReady = false;
    quint64 m_nextRequest = 0;
    quint64 m_activeRequest = 0;  // 0: none (reserved by send() while its images are copied)
    // The answer being generated (or the last one): chunks of m_answerRequest go to m_answer.id.
    ChatMessageUi m_answer;
    quint64 m_answerRequest = 0;
    QElapsedTimer m_sinceSave;  // the streamed text is saved every second or 200 characters
    qsizetype m_unsavedChars = 0;
    quint64 m_stoppedRequest = 0;  // its final stats arrive after Stop
    ChatMessageUi m_stopped;
    static constexpr qint64 kNotEditing = -2;
    qint64 m_editParent = kNotEditing;  // editing: the edited message's parent (-1: a first turn)
    struct Draft {
        QString text;
        QList<ImageRef> images;
    };
    QHash<qint64, Draft> m_drafts;  // per chat (-1: the new chat)
};

}  // namespace sightline::ui
