// The main window: chat history on the side, the conversation, the composer, and a status bar with
// model, device and memory. Talks to the engine only through signals/slots wired by app/.
// GUI thread only.
#pragma once

#include <QMainWindow>
#include <memory>

#include "chat_types.h"

class QListWidget;
class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QDockWidget;

namespace sightline::ui {

class ChatStore;
class ChatView;
class Composer;

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
    // A dock for the performance monitor (added by the app).
    QDockWidget* addMonitorDock(QWidget* monitor);

    void openChat(qint64 chatId);
    void newChat();
    void showFirstRunHelp(bool askForFolder);
    void exportChat(const QString& path, bool json);

public Q_SLOTS:
    void send();
    void stop();
    void regenerate(qint64 messageId);
    void editAndResend(qint64 messageId);
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
    void showProblem(const QString& message);

Q_SIGNALS:
    void generateRequested(const sightline::ui::GenerationRequest& request);
    void stopRequested(quint64 requestId);
    void loadModelRequested(const sightline::ui::GenerationSettings& settings);
    void cancelLoadRequested();
    void settingsChanged(const sightline::ui::GenerationSettings& settings);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void refreshChatList();
    void startGeneration();
    void finishActive(MessageState state, const std::optional<MessageStats>& stats, const QString& error);

    ChatStore* m_store;
    GenerationSettings m_settings;
    qint64 m_chatId = -1;
    QListWidget* m_chatList = nullptr;
    ChatView* m_view = nullptr;
    Composer* m_composer = nullptr;
    QLabel* m_modelLabel = nullptr;
    QLabel* m_memLabel = nullptr;
    QProgressBar* m_loadBar = nullptr;
    QPushButton* m_cancelLoad = nullptr;
    QLabel* m_notice = nullptr;
    bool m_modelReady = false;
    quint64 m_nextRequest = 0;
    quint64 m_activeRequest = 0;  // 0: none
    ChatMessageUi m_streaming;   // the answer being generated
};

}  // namespace sightline::ui
