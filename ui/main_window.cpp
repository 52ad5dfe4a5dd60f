#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QPointer>
#include <QRandomGenerator>
#include <QThreadPool>
#include <QSplitter>
#include <QStatusBar>
#include <QTimer>
#include <QVBoxLayout>

#include "chat_list_panel.h"
#include "chat_store.h"
#include "chat_view.h"
#include "composer.h"
#include "settings_dialog.h"

namespace sightline::ui {

MainWindow::MainWindow(ChatStore* store, const GenerationSettings& settings, QWidget* parent)
    : QMainWindow(parent), m_store(store), m_settings(settings) {
    setWindowTitle(tr("Sightline"));
    resize(1180, 780);
    auto* split = new QSplitter(this);
    m_chatList = new ChatListPanel(store, split);
    auto* side = m_chatList;
    auto* center = new QWidget(split);
    auto* cv = new QVBoxLayout(center);
    m_notice = new QLabel(center);
    m_notice->setObjectName(QStringLiteral("notice"));
    m_notice->setWordWrap(true);
    m_notice->setVisible(false);
    m_notice->setStyleSheet(QStringLiteral("QLabel#notice { background: palette(highlight); color: palette(highlighted-text); "
                                           "padding: 6px; border-radius: 4px; }"));
    m_view = new ChatView(center);
    m_composer = new Composer(center);
    cv->addWidget(m_notice);
    cv->addWidget(m_view, 1);
    cv->addWidget(m_composer);
    split->addWidget(side);
    split->addWidget(center);
    split->setStretchFactor(1, 1);
    split->setSizes({240, 940});
    setCentralWidget(split);

    m_modelLabel = new QLabel(tr("No model loaded"), this);
    m_memLabel = new QLabel(this);
    m_loadBar = new QProgressBar(this);
    m_loadBar->setMaximumWidth(220);
    m_loadBar->setVisible(false);
    m_cancelLoad = new QPushButton(tr("Cancel"), this);
    m_cancelLoad->setVisible(false);
    statusBar()->addWidget(m_modelLabel, 1);
    statusBar()->addPermanentWidget(m_loadBar);
    statusBar()->addPermanentWidget(m_cancelLoad);
    statusBar()->addPermanentWidget(m_memLabel);
    setStyleSheet(QStringLiteral("QFrame#userMessage { background: palette(alternate-base); border-radius: 8px; }"
                                 "QFrame#assistantMessage { background: palette(base); border-radius: 8px; }"
                                 "QLabel#stats { color: palette(mid); }"));

    buildMenus();
    connect(m_chatList, &ChatListPanel::newChatRequested, this, &MainWindow::newChat);
    connect(m_chatList, &ChatListPanel::chatActivated, this, &MainWindow::openChat);
    connect(m_chatList, &ChatListPanel::chatDeleted, this, [this](qint64 id) {
        m_drafts.remove(id);
        if (id != m_chatId) return;
        if (m_activeRequest) {  // its answer went with the chat: stop it, nothing left to save
            Q_EMIT stopRequested(m_activeRequest);
            m_activeRequest = 0;
            m_answerRequest = 0;
            m_composer->setBusy(false);
            m_view->setBusy(false);
        }
        m_chatId = -1;  // the composer's text stays as the new chat's draft
        newChat();
    });
    connect(m_store, &ChatStore::writeFailed, this, &MainWindow::showProblem);
    connect(m_view, &ChatView::versionRequested, this, &MainWindow::switchVersion);
    connect(m_view, &ChatView::cancelEditRequested, this, &MainWindow::cancelEdit);
    connect(m_composer, &Composer::sendRequested, this, &MainWindow::send);
    connect(m_composer, &Composer::stopRequested, this, &MainWindow::stop);
    connect(m_composer, &Composer::problem, this, &MainWindow::showProblem);
    connect(m_view, &ChatView::copyRequested, this, [](const QString& t) { QApplication::clipboard()->setText(t); });
    connect(m_view, &ChatView::regenerateRequested, this, &MainWindow::regenerate);
    connect(m_view, &ChatView::editRequested, this, &MainWindow::editAndResend);
    connect(m_cancelLoad, &QPushButton::clicked, this, &MainWindow::cancelLoadRequested);

    refreshChatList();
    const auto chats = m_store->chats();
    if (!chats.isEmpty()) openChat(chats.first().id);
    else m_view->setMessages({});
    showFirstRunHelp(false);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* newChatAct = file->addAction(tr("&New chat"), this, &MainWindow::newChat);
    newChatAct->setShortcut(QKeySequence::New);
    file->addAction(tr("Open model folder…"), this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("GLM-4.6V-Flash folder"), m_settings.modelDir);
        if (d.isEmpty()) return;
        m_settings.modelDir = d;
        Q_EMIT settingsChanged(m_settings);
        Q_EMIT loadModelRequested(m_settings);
    });
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
    QAction* settingsAct = edit->addAction(tr("&Settings…"), this, &MainWindow::openSettings);
    settingsAct->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    QAction* stopAct = edit->addAction(tr("Stop answer"), this, &MainWindow::stop);
    stopAct->setShortcut(QKeySequence(Qt::Key_Escape));
    stopAct->setShortcutContext(Qt::WindowShortcut);
    edit->addAction(tr("Attach image…"), QKeySequence(Qt::CTRL | Qt::Key_O), m_composer, &Composer::openFileDialog);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));
}

QDockWidget* MainWindow::addMonitorDock(QWidget* monitor) {
    auto* dock = new QDockWidget(tr("Performance"), this);
    dock->setObjectName(QStringLiteral("performanceDock"));
    dock->setWidget(monitor);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    if (auto* view = menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"))) view->addAction(dock->toggleViewAction());
    dock->hide();
    return dock;
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

void MainWindow::refreshChatList() { m_chatList->refresh(m_chatId); }

void MainWindow::reloadConversation() {
    try {
        m_view->setMessages(m_chatId >= 0 ? m_store->messages(m_chatId) : QList<ChatMessageUi>());
    } catch (const std::exception& e) {
        showProblem(tr("Could not read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::stashDraft() {
    Draft d{m_composer->text(), m_composer->images()};
    if (d.text.trimmed().isEmpty() && d.images.isEmpty()) m_drafts.remove(m_chatId);
    else m_drafts.insert(m_chatId, d);
}

void MainWindow::restoreDraft() {
    const Draft d = m_drafts.take(m_chatId);
    m_composer->clear();
    if (!d.text.isEmpty()) m_composer->setText(d.text);
    if (!d.images.isEmpty()) m_composer->setImages(d.images);
}

void MainWindow::openChat(qint64 chatId) {
    if (chatId == m_chatId) return;
    stop();  // an answer in progress is kept as stopped
    cancelEdit();
    stashDraft();
    m_chatId = chatId;
    restoreDraft();
    reloadConversation();
    refreshChatList();
}

void MainWindow::newChat() {
    stop();
    cancelEdit();
    stashDraft();
    m_chatId = -1;
    restoreDraft();
    m_view->setMessages({});
    refreshChatList();  // no chat is current: clicking the one just left opens it again
    showFirstRunHelp(false);
}

void MainWindow::send() {
    if (m_activeRequest) return;
    const QString text = m_composer->text().trimmed();
    if (text.isEmpty() && m_composer->images().isEmpty()) return;
    if (!m_modelReady) {
        showProblem(m_settings.modelDir.isEmpty() ? tr("No model yet: choose the GLM-4.6V-Flash folder with File → Open model folder…")
                                                  : tr("The model is not loaded yet."));
        return;
    }
    try {
        if (m_chatId < 0) {
            QString title = text.left(48);
            if (title.isEmpty()) title = tr("Image question");
            const qint64 chat = m_store->createChat(title, m_settings.systemPrompt);
            if (chat < 0) return;  // the store said why
            m_drafts.remove(-1);
            m_chatId = chat;
            refreshChatList();
        }
        ChatMessageUi user;
        user.role = QStringLiteral("user");
        user.text = text;
        user.images = m_composer->images();
        if (m_editParent != kNotEditing) user.parentId = m_editParent;  // a new version of the edited message
        else if (const auto path = m_store->messages(m_chatId); !path.isEmpty()) user.parentId = path.last().id;
        cancelEdit();
        m_activeRequest = ++m_nextRequest;
        m_composer->clear();
        m_composer->setBusy(true);
        m_view->setBusy(true);
        m_view->appendMessage(user);  // shown at once; saved once its images are copied
        if (user.images.isEmpty()) {
            continueSend(m_activeRequest, m_chatId, user, QString());
            return;
        }
        // Hashing and copying the images (maybe large, maybe on a slow disk) off the GUI thread.
        QPointer<MainWindow> self(this);
        const quint64 requestId = m_activeRequest;
        const qint64 chatId = m_chatId;
        const QString folder = m_store->imageFolder();
        QThreadPool::globalInstance()->start([self, requestId, chatId, folder, user]() mutable {
            QString error;
            for (auto& im : user.images) {
                const ImageRef copy = ChatStore::importImage(folder, im, &error);
                if (copy.path.isEmpty()) break;
                im = copy;
            }
            QMetaObject::invokeMethod(qApp, [self, requestId, chatId, user, error] {
                if (self) self->continueSend(requestId, chatId, user, error);
            }, Qt::QueuedConnection);
        });
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::continueSend(quint64 requestId, qint64 chatId, ChatMessageUi user, const QString& error) {
    const bool current = requestId == m_activeRequest;
    auto giveBack = [&] {  // nothing was saved: the question goes back into the composer
        if (current) {
            m_activeRequest = 0;
            m_composer->setBusy(false);
            m_view->setBusy(false);
        }
        if (chatId == m_chatId && m_composer->text().isEmpty()) {
            m_composer->setText(user.text);
            QList<ImageRef> originals;
            for (const auto& im : user.images) originals.append(im);
            m_composer->setImages(originals);
        }
        reloadConversation();
    };
    if (!error.isEmpty()) {
        showProblem(tr("Could not keep a copy of the image: %1").arg(error));
        giveBack();
        return;
    }
    user.id = m_store->addMessage(chatId, user);
    if (user.id < 0) {  // writeFailed told the user
        giveBack();
        return;
    }
    if (!current || chatId != m_chatId) {
        // Stopped (or the chat left) while the images were copied: the question stays, with an
        // empty stopped answer so that the turns still alternate.
        ChatMessageUi a;
        a.role = QStringLiteral("assistant");
        a.parentId = user.id;
        a.state = MessageState::Stopped;
        m_store->addMessage(chatId, a);
        if (chatId == m_chatId) reloadConversation();
        return;
    }
    startGeneration(user.id);
}

void MainWindow::startGeneration(qint64 parentId) {
    const quint64 requestId = m_activeRequest ? m_activeRequest : ++m_nextRequest;
    auto fail = [this] {
        m_activeRequest = 0;
        m_composer->setBusy(false);
        m_view->setBusy(false);
        reloadConversation();
    };
    try {
        GenerationRequest req;
        req.requestId = requestId;
        req.chatId = m_chatId;
        req.settings = m_settings;
        req.seed = static_cast<qint64>(QRandomGenerator::global()->generate() & 0x7FFFFFFF);
        ChatMessageUi a;
        a.role = QStringLiteral("assistant");
        a.parentId = parentId;
        a.state = MessageState::Streaming;  // saved now: a crash leaves it as "interrupted", not lost
        a.settings = m_settings.toJson();
        a.seed = req.seed;
        a.id = m_store->addMessage(m_chatId, a);
        if (a.id < 0) return fail();
        const QList<ChatMessageUi> path = m_store->messages(m_chatId);  // ends with the new answer
        const QString sys = m_store->chatSystemPrompt(m_chatId);
        if (!sys.isEmpty()) {
            ChatMessageUi s;
            s.role = QStringLiteral("system");
            s.text = sys;
            req.messages.append(s);
        }
        for (const auto& m : path) {
            if (m.id == a.id) break;
            // A failed or empty answer is no turn of the conversation the model should see.
            if (m.role == QLatin1String("assistant") && (m.state == MessageState::Failed || m.text.isEmpty())) continue;
            req.messages.append(m);
        }
        m_answer = a;
        m_answerRequest = requestId;
        m_activeRequest = requestId;
        m_unsavedChars = 0;
        m_sinceSave.start();
        m_view->setBusy(true);
        m_view->setMessages(path);
        m_composer->setBusy(true);
        refreshChatList();
        Q_EMIT generateRequested(req);
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
        fail();
    }
}

void MainWindow::stop() {
    if (!m_activeRequest) return;
    Q_EMIT stopRequested(m_activeRequest);
    if (m_answerRequest != m_activeRequest) {  // still copying images: continueSend keeps the question
        m_activeRequest = 0;
        m_composer->setBusy(false);
        m_view->setBusy(false);
        return;
    }
    // The answer so far is kept at once; chunks still in flight for this id are dropped.
    finishActive(MessageState::Stopped, std::nullopt, QString());
}

void MainWindow::finishActive(MessageState state, const std::optional<MessageStats>& stats, const QString& error) {
    if (!m_activeRequest || m_answerRequest != m_activeRequest) return;
    m_activeRequest = 0;
    m_answer.state = state;
    if (stats) m_answer.stats = stats;
    m_answer.error = error;
    if (state == MessageState::Failed) m_answer.errorPhase = m_answer.text.isEmpty() ? QStringLiteral("start") : QStringLiteral("stream");
    m_store->updateMessage(m_answer);  // a failure is reported by writeFailed
    m_unsavedChars = 0;
    if (state == MessageState::Stopped) {
        m_stoppedRequest = m_answerRequest;
        m_stopped = m_answer;
    }
    m_view->updateMessage(m_answer);
    m_view->setBusy(false);
    m_composer->setBusy(false);
    refreshChatList();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    stop();  // an answer in progress is kept (as stopped) rather than lost
    QMainWindow::closeEvent(event);
}

void MainWindow::onChunk(quint64 requestId, const QString& text) {
    // Only the running request's chunks count, and they go to its own message (by id).
    if (requestId == 0 || requestId != m_activeRequest || requestId != m_answerRequest) return;
    m_answer.text += text;
    m_unsavedChars += text.size();
    m_view->updateMessage(m_answer);
    if (m_unsavedChars >= 200 || m_sinceSave.elapsed() >= 1000) {  // a crash keeps the answer so far
        m_store->updateMessage(m_answer);
        m_unsavedChars = 0;
        m_sinceSave.restart();
    }
}

void MainWindow::onFinished(quint64 requestId, const MessageStats& stats, const QString& finishReason) {
    MessageStats s = stats;
    s.finishReason = finishReason;
    if (requestId != 0 && requestId == m_stoppedRequest && requestId != m_activeRequest) {
        // A stopped request reports its final stats late: attach them to its saved message.
        m_stoppedRequest = 0;
        if (!m_stopped.stats) {
            m_stopped.stats = s;
            m_store->updateMessage(m_stopped);
            m_view->updateMessage(m_stopped);
        }
        return;
    }
    if (requestId != m_activeRequest || requestId == 0) return;
    finishActive(finishReason == QLatin1String("cancelled") ? MessageState::Stopped : MessageState::Done, s, QString());
}

void MainWindow::onFailed(quint64 requestId, const QString& message, bool outOfMemory) {
    if (requestId != m_activeRequest || requestId == 0) return;
    finishActive(MessageState::Failed, std::nullopt, message);  // saved and shown in the message, with Retry
    if (!outOfMemory) return;
    const qint64 failedId = m_answer.id;
    QMessageBox box(QMessageBox::Warning, tr("Out of memory"), message, QMessageBox::NoButton, this);
    QPushButton* retry = box.addButton(tr("Retry with a smaller image budget"), QMessageBox::AcceptRole);
    box.addButton(QMessageBox::Close);
    box.exec();
    if (box.clickedButton() == retry) {
        m_settings.maxImagePixels = m_settings.maxImagePixels > 0 ? m_settings.maxImagePixels / 2 : 1'000'000;
        Q_EMIT settingsChanged(m_settings);
        regenerate(failedId);
    }
}

void MainWindow::regenerate(qint64 messageId) {
    try {
        if (m_activeRequest || m_chatId < 0) return;
        const auto m = m_store->message(messageId);
        if (!m || m->role != QLatin1String("assistant") || m->parentId < 0) return;
        startGeneration(m->parentId);  // a new version beside the old answer; nothing is deleted
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::editAndResend(qint64 messageId) {
    try {
        if (m_activeRequest || m_chatId < 0) return;
        const auto m = m_store->message(messageId);
        if (!m || m->role != QLatin1String("user")) return;
        // Nothing changes until Send: then the edited text becomes a new version of this message.
        m_composer->clear();
        m_composer->setText(m->text);
        m_composer->setImages(m->images);
        m_editParent = m->parentId;
        const QString quoted = m->text.size() > 40 ? m->text.left(40) + QStringLiteral("…") : m->text;
        m_view->setEditNotice(tr("Editing “%1”: Send adds your text as a new version of it. The answers after it stay with the "
                                 "old version (switch back with ‹ ›).").arg(quoted.simplified()));
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::cancelEdit() {
    if (m_editParent == kNotEditing) return;
    m_editParent = kNotEditing;
    m_view->setEditNotice(QString());
}

void MainWindow::switchVersion(qint64 messageId, int delta) {
    try {
        if (m_activeRequest || m_chatId < 0) return;
        const qint64 other = m_store->siblingVersion(messageId, delta);
        if (other < 0 || !m_store->selectVersion(other)) return;
        reloadConversation();
    } catch (const std::exception& e) {
        showProblem(tr("Could not save or read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::openSettings() {
    SettingsDialog dlg(m_settings, this);
    if (dlg.exec() != QDialog::Accepted) return;
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
    m_modelLabel->setText(tr("Loading %1…").arg(modelDir));
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
    m_notice->setVisible(false);
    showFirstRunHelp(false);
}

void MainWindow::onLoadFailed(const QString& message, bool cancelled) {
    m_modelReady = false;
    m_loadBar->setVisible(false);
    m_cancelLoad->setVisible(false);
    m_modelLabel->setText(cancelled ? tr("Loading cancelled") : tr("No model loaded"));
    if (!cancelled) showProblem(tr("Could not load the model: %1").arg(message));
}

void MainWindow::onMemory(qint64 used, qint64 total, const QString& device) {
    if (total > 0) m_memLabel->setText(tr("%1 · VRAM %2 / %3").arg(device, humanBytes(used), humanBytes(total)));
    else m_memLabel->setText(tr("%1 · RAM %2").arg(device, humanBytes(used)));
}

void MainWindow::showProblem(const QString& message) {
    m_notice->setText(message);
    m_notice->setVisible(true);
    QTimer::singleShot(12000, m_notice, [n = m_notice, message] {
        if (n->text() == message) n->setVisible(false);
    });
}

}  // namespace sightline::ui
