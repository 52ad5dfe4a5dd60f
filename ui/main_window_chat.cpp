// MainWindow, the conversation flow: chat list and drafts, send (images copied into the store off
// the GUI thread), generation, streaming (chunks by request id to their message id, saved every
// second or 200 characters), stop, failure, Regenerate / Edit as versions. GUI thread only.
#include <QApplication>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QThreadPool>

#include "chat_list_panel.h"
#include "chat_store.h"
#include "chat_view.h"
#include "composer.h"
#include "main_window.h"

namespace sightline::ui {

void MainWindow::refreshChatList() {
    m_chatList->refresh(m_chatId);
}

void MainWindow::reloadConversation() {
    try {
        m_view->setMessages(m_chatId >= 0 ? m_store->messages(m_chatId) : QList<ChatMessageUi>());
    } catch (const std::exception& e) {
        showProblem(tr("Could not read the chat history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::stashDraft() {
    Draft d{m_composer->text(), m_composer->images()};
    if (d.text.trimmed().isEmpty() && d.images.isEmpty())
        m_drafts.remove(m_chatId);
    else
        m_drafts.insert(m_chatId, d);
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

bool MainWindow::modelReadyOrSay() {
    if (m_modelReady) return true;
    showProblem(loadableSettings().modelDir.isEmpty() ? tr("No model yet: choose the GLM-4.6V-Flash folder with File → Open model folder…")
                                                      : tr("The model is not loaded yet."));
    return false;
}

void MainWindow::send() {
    if (m_activeRequest) return;
    const QString text = m_composer->text().trimmed();
    if (text.isEmpty() && m_composer->images().isEmpty()) return;
    if (!modelReadyOrSay()) return;
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
        if (m_editParent != kNotEditing)
            user.parentId = m_editParent;  // a new version of the edited message
        else if (const auto path = m_store->messages(m_chatId); !path.isEmpty())
            user.parentId = path.last().id;
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
            QMetaObject::invokeMethod(
                qApp,
                [self, requestId, chatId, user, error] {
                    if (self) self->continueSend(requestId, chatId, user, error);
                },
                Qt::QueuedConnection);
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
        req.seed = m_settings.requestSeed();
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
        if (!modelReadyOrSay()) return;  // as Send: no version that can only fail
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
                                 "old version (switch back with ‹ ›).")
                                  .arg(quoted.simplified()));
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

}  // namespace sightline::ui
