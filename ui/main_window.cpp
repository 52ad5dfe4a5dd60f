#include "main_window.h"

#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStatusBar>
#include <QTimer>
#include <QVBoxLayout>

#include "attach_drop_overlay.h"
#include "chat_store.h"
#include "chat_view.h"
#include "composer.h"
#include "notice_banner.h"
#include "settings_dialog.h"
#include "theme.h"

namespace sightline::ui {

MainWindow::MainWindow(ChatStore* store, const GenerationSettings& settings, QWidget* parent)
    : QMainWindow(parent), m_store(store), m_settings(settings) {
    setWindowTitle(tr("Sightline"));
    setMinimumSize(kMinimumSize);
    resize(1180, 780);
    setAcceptDrops(true);  // anywhere in the window; children that do not take a drag pass it up here
    auto* split = new QSplitter(this);
    split->setChildrenCollapsible(false);
    auto* side = new QWidget(split);
    side->setMinimumWidth(170);
    auto* sv = new QVBoxLayout(side);
    sv->setContentsMargins(10, 10, 0, 10);
    sv->setSpacing(8);
    auto* newBtn = new QPushButton(tr("New chat"), side);
    newBtn->setAccessibleName(tr("New chat"));
    m_chatList = new QListWidget(side);
    m_chatList->setAccessibleName(tr("Chat history"));
    m_chatList->setTextElideMode(Qt::ElideRight);
    m_chatList->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_chatList->setObjectName(QStringLiteral("chatList"));
    sv->addWidget(newBtn);
    sv->addWidget(m_chatList, 1);
    auto* center = new QWidget(split);
    center->setMinimumWidth(420);
    auto* cv = new QVBoxLayout(center);
    cv->setContentsMargins(12, 10, 12, 10);
    cv->setSpacing(8);
    m_notice = new NoticeBanner(center);
    m_view = new ChatView(center);
    m_view->setMinimumHeight(160);  // a dock opened below never squeezes the conversation away
    m_composer = new Composer(center);
    cv->addWidget(m_notice);
    cv->addWidget(m_view, 1);
    cv->addWidget(m_composer);
    split->addWidget(side);
    split->addWidget(center);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({240, 940});
    setCentralWidget(split);
    m_dropOverlay = new DropOverlay(this);

    m_modelLabel = new QLabel(tr("No model loaded"), this);
    m_modelLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // long paths never widen the window
    m_memLabel = new QLabel(this);
    m_loadBar = new QProgressBar(this);
    m_loadBar->setMaximumWidth(220);
    m_loadBar->setVisible(false);
    m_cancelLoad = new QPushButton(tr("Cancel"), this);
    m_cancelLoad->setVisible(false);
    statusBar()->setContentsMargins(8, 0, 8, 0);
    statusBar()->addWidget(m_modelLabel, 1);
    statusBar()->addPermanentWidget(m_loadBar);
    statusBar()->addPermanentWidget(m_cancelLoad);
    statusBar()->addPermanentWidget(m_memLabel);
    restyle();

    buildMenus();
    connect(newBtn, &QPushButton::clicked, this, &MainWindow::newChat);
    connect(m_chatList, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row < 0 || m_activeRequest) return;
        const qint64 id = m_chatList->item(row)->data(Qt::UserRole).toLongLong();
        if (id != m_chatId) openChat(id);
    });
    connect(m_composer, &Composer::sendRequested, this, &MainWindow::send);
    connect(m_composer, &Composer::stopRequested, this, &MainWindow::stop);
    connect(m_composer, &Composer::problem, this, &MainWindow::showProblem);
    connect(m_composer, &Composer::imageActivated, this, [this](int index) {
        QStringList paths;
        for (const ImageRef& im : m_composer->images()) paths.append(im.path);
        openImageViewer(paths, index);
    });
    connect(m_view, &ChatView::copyRequested, this, [this](const QString& t) {
        QApplication::clipboard()->setText(t);
        statusBar()->showMessage(tr("Copied to the clipboard"), 2500);
    });
    connect(m_view, &ChatView::regenerateRequested, this, &MainWindow::regenerate);
    connect(m_view, &ChatView::editRequested, this, &MainWindow::editAndResend);
    connect(m_cancelLoad, &QPushButton::clicked, this, &MainWindow::cancelLoadRequested);

    refreshChatList();
    const auto chats = m_store->chats();
    if (!chats.isEmpty()) openChat(chats.first().id);
    else m_view->setMessages({});
    showFirstRunHelp(false);
}

void MainWindow::restyle() {
    m_restyling = true;
    setStyleSheet(windowStyleSheet(palette()));
    m_restyling = false;
}

void MainWindow::changeEvent(QEvent* event) {
    QMainWindow::changeEvent(event);
    if (!m_restyling && (event->type() == QEvent::ApplicationPaletteChange || event->type() == QEvent::PaletteChange)) restyle();
}

void MainWindow::showFirstRunHelp(bool askForFolder) {
    if (!m_settings.modelDir.isEmpty()) {
        m_view->setPlaceholder(tr("<h2>Ask about an image</h2><p>Drop, paste or attach an image, type a question, "
                                  "and press Ctrl+Enter.</p>"));
        return;
    }
    m_view->setPlaceholder(
        tr("<h2>Welcome to Sightline</h2>"
           "<p>Sightline answers questions about images with <b>GLM-4.6V-Flash</b>, running on your own GPU.</p>"
           "<p>Download the checkpoint folder (about 21 GB) from Hugging Face "
           "(<a href=\"https://huggingface.co/zai-org/GLM-4.6V-Flash\">zai-org/GLM-4.6V-Flash</a>) or ModelScope "
           "(ZhipuAI/GLM-4.6V-Flash), for example with <code>huggingface-cli download zai-org/GLM-4.6V-Flash "
           "--local-dir ~/models/GLM-4.6V-Flash</code>, then choose that folder with <i>File → Open model folder…</i>.</p>"
           "<p>Your earlier chats stay browsable meanwhile.</p>"));
    if (askForFolder) {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Choose the GLM-4.6V-Flash folder"));
        if (!d.isEmpty()) {
            m_settings.modelDir = d;
            Q_EMIT settingsChanged(m_settings);
            Q_EMIT loadModelRequested(m_settings);
        }
    }
}

void MainWindow::refreshChatList() {
    const QSignalBlocker block(m_chatList);
    m_chatList->clear();
    for (const auto& c : m_store->chats()) {
        auto* item = new QListWidgetItem(c.title, m_chatList);
        item->setData(Qt::UserRole, c.id);
        item->setToolTip(c.updated.toLocalTime().toString());
        if (c.id == m_chatId) m_chatList->setCurrentItem(item);
    }
}

void MainWindow::openChat(qint64 chatId) {
    try {
        m_chatId = chatId;
        m_view->setMessages(m_store->messages(chatId));
        refreshChatList();
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::newChat() {
    if (m_activeRequest) stop();
    m_chatId = -1;
    m_view->setMessages({});
    m_composer->clear();
    m_chatList->clearSelection();
    showFirstRunHelp(false);
}

void MainWindow::send() {
    try {
        if (m_activeRequest) return;
        const QString text = m_composer->text().trimmed();
        if (text.isEmpty() && m_composer->images().isEmpty()) return;
        if (!m_modelReady) {
            showProblem(m_settings.modelDir.isEmpty() ? tr("No model yet: choose the GLM-4.6V-Flash folder with File → Open model folder…")
                                                      : tr("The model is not loaded yet."));
            return;
        }
        if (m_chatId < 0) {
            QString title = text.left(48);
            if (title.isEmpty()) title = tr("Image question");
            m_chatId = m_store->createChat(title, m_settings.systemPrompt);
            refreshChatList();
        }
        ChatMessageUi user;
        user.role = QStringLiteral("user");
        user.text = text;
        user.images = m_composer->images();
        user.id = m_store->addMessage(m_chatId, user);
        m_view->appendMessage(user);
        m_composer->clear();
        startGeneration();
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::startGeneration() {
    try {
        GenerationRequest req;
        req.requestId = ++m_nextRequest;
        req.chatId = m_chatId;
        req.settings = m_settings;
        req.seed = m_settings.requestSeed();
        const QString sys = m_store->chatSystemPrompt(m_chatId);
        if (!sys.isEmpty()) {
            ChatMessageUi s;
            s.role = QStringLiteral("system");
            s.text = sys;
            req.messages.append(s);
        }
        for (const auto& m : m_store->messages(m_chatId))
            if (m.state != MessageState::Failed) req.messages.append(m);
        m_streaming = ChatMessageUi();
        m_streaming.role = QStringLiteral("assistant");
        m_streaming.state = MessageState::Streaming;
        m_streaming.settings = m_settings.toJson();
        m_streaming.seed = req.seed;
        m_view->appendMessage(m_streaming);
        m_activeRequest = req.requestId;
        m_composer->setBusy(true);
        Q_EMIT generateRequested(req);
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::stop() {
    if (!m_activeRequest) return;
    Q_EMIT stopRequested(m_activeRequest);
    // The answer so far is kept at once; chunks still in flight for this id are dropped.
    finishActive(MessageState::Stopped, std::nullopt, QString());
}

void MainWindow::finishActive(MessageState state, const std::optional<MessageStats>& stats, const QString& error) {
    try {
        if (!m_activeRequest) return;
        m_activeRequest = 0;
        m_streaming.state = state;
        if (stats) m_streaming.stats = stats;
        m_streaming.error = error;
        if (state != MessageState::Failed || !m_streaming.text.isEmpty()) m_streaming.id = m_store->addMessage(m_chatId, m_streaming);
        m_view->updateLast(m_streaming);
        m_composer->setBusy(false);
        refreshChatList();
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    stop();  // an answer in progress is kept (as stopped) rather than lost
    QMainWindow::closeEvent(event);
}

void MainWindow::onChunk(quint64 requestId, const QString& text) {
    if (requestId != m_activeRequest || requestId == 0) return;  // a stopped or older request
    m_streaming.text += text;
    m_view->updateLast(m_streaming);
}

void MainWindow::onFinished(quint64 requestId, const MessageStats& stats, const QString& finishReason) {
    if (requestId != m_activeRequest || requestId == 0) {
        // A stopped request reports its final stats late: attach them to the saved message.
        if (m_streaming.id >= 0 && m_streaming.state == MessageState::Stopped && !m_streaming.stats) {
            m_streaming.stats = stats;
            m_store->updateMessage(m_streaming);
            if (m_view->count() > 0) m_view->updateLast(m_streaming);
        }
        return;
    }
    finishActive(finishReason == QLatin1String("cancelled") ? MessageState::Stopped : MessageState::Done, stats, QString());
}

void MainWindow::onFailed(quint64 requestId, const QString& message, bool outOfMemory) {
    if (requestId != m_activeRequest || requestId == 0) return;
    finishActive(MessageState::Failed, std::nullopt, message);
    if (!outOfMemory) {
        showProblem(message);
        return;
    }
    QMessageBox box(QMessageBox::Warning, tr("Out of memory"), message, QMessageBox::NoButton, this);
    QPushButton* retry = box.addButton(tr("Retry with a smaller image budget"), QMessageBox::AcceptRole);
    box.addButton(QMessageBox::Close);
    box.exec();
    if (box.clickedButton() == retry) {
        m_settings.maxImagePixels = m_settings.maxImagePixels > 0 ? m_settings.maxImagePixels / 2 : 1'000'000;
        Q_EMIT settingsChanged(m_settings);
        startGeneration();
    }
}

void MainWindow::regenerate(qint64 messageId) {
    try {
        if (m_activeRequest || m_chatId < 0 || messageId < 0) return;
        m_store->deleteMessagesFrom(m_chatId, messageId);
        m_view->setMessages(m_store->messages(m_chatId));
        startGeneration();
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::editAndResend(qint64 messageId) {
    try {
        if (m_activeRequest || m_chatId < 0) return;
        for (const auto& m : m_store->messages(m_chatId))
            if (m.id == messageId) {
                m_composer->setText(m.text);
                m_composer->setImages(m.images);
            }
        m_store->deleteMessagesFrom(m_chatId, messageId);
        m_view->setMessages(m_store->messages(m_chatId));
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::openSettings() {
    SettingsDialog dlg(m_settings, this);
    if (dlg.exec() != QDialog::Accepted) return;
    saveTheme(dlg.theme());  // already applied (live preview)
    const GenerationSettings old = m_settings;
    m_settings = dlg.settings();
    Q_EMIT settingsChanged(m_settings);
    if (m_settings.modelDir != old.modelDir || m_settings.device != old.device || m_settings.dtype != old.dtype || !m_modelReady)
        if (!m_settings.modelDir.isEmpty()) Q_EMIT loadModelRequested(m_settings);
    showFirstRunHelp(false);
}

void MainWindow::exportChat(const QString& path, bool json) {
    try {
        if (m_chatId < 0) return;
        QFile f(path);
        const QByteArray data = json ? m_store->exportJson(m_chatId) : m_store->exportMarkdown(m_chatId).toUtf8();
        if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size()) showProblem(tr("Cannot write %1").arg(path));
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::onLoadStarted(const QString& modelDir) {
    m_modelReady = false;
    m_loadingDir = modelDir;
    m_modelLabel->setText(tr("Loading %1…").arg(QDir::toNativeSeparators(modelDir)));
    m_modelLabel->setToolTip(modelDir);
    m_loadBar->setRange(0, 0);
    m_loadBar->setVisible(true);
    m_cancelLoad->setVisible(true);
}

void MainWindow::onLoadProgress(const QString& stage, qint64 done, qint64 total) {
    if (total > 0) {
        m_loadBar->setRange(0, static_cast<int>(total));
        m_loadBar->setValue(static_cast<int>(done));
    }
    m_loadBar->setFormat(stage + QStringLiteral(" %p%"));
}

void MainWindow::onModelLoaded(const QString& summary, const QString& device) {
    m_modelReady = true;
    m_loadBar->setVisible(false);
    m_cancelLoad->setVisible(false);
    m_modelLabel->setText(tr("%1 on %2").arg(summary, device));
    m_modelLabel->setToolTip(m_loadingDir);
    if (m_notice->kind() == NoticeBanner::Kind::Error) m_notice->dismiss();  // the load problem is solved
    rememberModel(m_loadingDir);
    showFirstRunHelp(false);
}

void MainWindow::onLoadFailed(const QString& message, bool cancelled) {
    m_modelReady = false;
    m_loadBar->setVisible(false);
    m_cancelLoad->setVisible(false);
    m_modelLabel->setText(cancelled ? tr("Loading cancelled") : tr("No model loaded"));
    if (!cancelled)
        m_notice->showError(tr("Could not load the model: %1\nChoose the GLM-4.6V-Flash checkpoint folder (with config.json and "
                               "*.safetensors), or check the device in Settings.")
                                .arg(message),
                            tr("Open model folder…"), [this] { openModelFolder(); });
}

void MainWindow::onMemory(qint64 used, qint64 total, const QString& device) {
    if (total > 0) m_memLabel->setText(tr("%1 · VRAM %2 / %3").arg(device, humanBytes(used), humanBytes(total)));
    else m_memLabel->setText(tr("%1 · RAM %2").arg(device, humanBytes(used)));
}

void MainWindow::showProblem(const QString& message) { m_notice->showError(message); }

void MainWindow::showInfo(const QString& message) { m_notice->showInfo(message); }

}  // namespace sightline::ui
