#include "main_window.h"

#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStatusBar>
#include <QTimer>
#include <QVBoxLayout>

#include "attach_drop_overlay.h"
#include "chat_list_panel.h"
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
    m_chatList = new ChatListPanel(store, split);
    m_chatList->setMinimumWidth(170);
    auto* side = m_chatList;
    auto* center = new QWidget(split);
    center->setMinimumWidth(420);
    auto* cv = new QVBoxLayout(center);
    cv->setContentsMargins(12, 10, 12, 10);
    cv->setSpacing(8);
    m_notice = new NoticeBanner(center);
    m_demoNotice = new NoticeBanner(center);
    m_demoNotice->setObjectName(QStringLiteral("demoNotice"));
    m_view = new ChatView(center);
    m_view->setMinimumHeight(160);  // a dock opened below never squeezes the conversation away
    m_composer = new Composer(center);
    cv->addWidget(m_demoNotice);
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
    connect(m_view, &ChatView::imageRequested, this, &MainWindow::openImageViewer);
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
    if (!chats.isEmpty())
        openChat(chats.first().id);
    else
        m_view->setMessages({});
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
    if (m_settings.modelDir.isEmpty() && !m_demoDir.isEmpty()) {
        m_view->setPlaceholder(demoWelcomeHtml());
        return;
    }
    if (!m_settings.modelDir.isEmpty()) {
        m_view->setPlaceholder(
            tr("<h2>Ask about an image</h2><p>Drop, paste or attach an image, type a question, "
               "and press Ctrl+Enter.</p>"));
        return;
    }
    m_view->setPlaceholder(
        tr("<h2>Welcome to Sightline</h2>"
           "<p>Sightline answers questions about images with <b>GLM-4.6V-Flash</b>, running on your own GPU.</p>"
           "<p>Download it (about 21 GB) from Hugging Face "
           "(<a href=\"https://huggingface.co/zai-org/GLM-4.6V-Flash\">zai-org/GLM-4.6V-Flash</a>) or ModelScope "
           "(ZhipuAI/GLM-4.6V-Flash) with <i>File → Models…</i> (resumable, checksums verified, and it tells you first "
           "whether the model fits your GPU), or with <code>sightline-cli models pull zai-org/GLM-4.6V-Flash</code>; "
           "a folder you already have opens with <i>File → Open model folder…</i>.</p>"
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

void MainWindow::closeEvent(QCloseEvent* event) {
    stop();  // an answer in progress is kept (as stopped) rather than lost
    QMainWindow::closeEvent(event);
}

void MainWindow::openSettings() {
    SettingsDialog dlg(m_settings, this);
    if (dlg.exec() != QDialog::Accepted) return;
    saveTheme(dlg.theme());  // already applied (live preview)
    const GenerationSettings old = m_settings;
    m_settings = dlg.settings();
    Q_EMIT settingsChanged(m_settings);
    if (m_settings.modelDir != old.modelDir || m_settings.device != old.device || m_settings.dtype != old.dtype || !m_modelReady)
        if (!loadableSettings().modelDir.isEmpty()) Q_EMIT loadModelRequested(loadableSettings());
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
    updateDemoNotice();
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
    m_modelLabel->setText(demoModelActive() ? tr("Demo model (coloured shapes and counts) · %1 on %2").arg(summary, device)
                                            : tr("%1 on %2").arg(summary, device));
    m_modelLabel->setToolTip(m_loadingDir);
    if (m_notice->kind() == NoticeBanner::Kind::Error) m_notice->dismiss();  // the load problem is solved
    if (!demoModelActive()) rememberModel(m_loadingDir);                     // the demo is the fallback, not a choice to remember
    updateDemoNotice();
    showFirstRunHelp(false);
}

void MainWindow::onLoadFailed(const QString& message, bool cancelled) {
    m_modelReady = false;
    m_loadBar->setVisible(false);
    m_cancelLoad->setVisible(false);
    m_modelLabel->setText(cancelled ? tr("Loading cancelled") : tr("No model loaded"));
    m_demoNotice->dismiss();
    if (!cancelled)
        m_notice->showError(tr("Could not load the model: %1\nChoose the GLM-4.6V-Flash checkpoint folder (with config.json and "
                               "*.safetensors), or check the device in Settings.")
                                .arg(message),
                            tr("Open model folder…"), [this] { openModelFolder(); });
}

void MainWindow::onMemory(qint64 used, qint64 total, const QString& device) {
    if (total > 0)
        m_memLabel->setText(tr("%1 · VRAM %2 / %3").arg(device, humanBytes(used), humanBytes(total)));
    else
        m_memLabel->setText(tr("%1 · RAM %2").arg(device, humanBytes(used)));
}

void MainWindow::showProblem(const QString& message) {
    m_notice->showError(message);
}

void MainWindow::showInfo(const QString& message) {
    m_notice->showInfo(message);
}

}  // namespace sightline::ui
