// MainWindow and the bundled demo model (issue #13): it is what the app runs when no model is
// configured, so the window says plainly what it knows and keeps the way to GLM-4.6V-Flash one
// click away (the standing note's "Get GLM-4.6V-Flash…", Help → Get GLM-4.6V-Flash…, the welcome
// page). GUI thread only.
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>

#include "chat_view.h"
#include "main_window.h"
#include "notice_banner.h"

namespace sightline::ui {

void MainWindow::setDemoModelDir(const QString& dir) {
    m_demoDir = dir;
    updateDemoNotice();
    showFirstRunHelp(false);
}

bool MainWindow::demoModelActive() const {
    if (m_demoDir.isEmpty() || m_loadingDir.isEmpty()) return false;
    const QFileInfo loading(m_loadingDir), demo(m_demoDir);
    return m_loadingDir == m_demoDir || (loading.exists() && loading.canonicalFilePath() == demo.canonicalFilePath());
}

QString MainWindow::modelStatusText() const {
    return m_modelLabel->text();
}

GenerationSettings MainWindow::loadableSettings() const {
    GenerationSettings s = m_settings;
    if (s.modelDir.isEmpty()) s.modelDir = m_demoDir;
    return s;
}

void MainWindow::updateDemoNotice() {
    if (!demoModelActive()) {
        m_demoNotice->dismiss();
        return;
    }
    m_demoNotice->showNote(tr("Demo model: it knows coloured shapes and counts them, nothing else (it cannot yet read printed words "
                              "or say where an object is). For real questions about any image, get GLM-4.6V-Flash."),
                           tr("Get GLM-4.6V-Flash…"), [this] { showGetModelHelp(); });
}

QString MainWindow::demoWelcomeHtml() const {
    return tr(
        "<h2>Welcome to Sightline</h2>"
        "<p>You are using the <b>demo model</b>: a tiny model trained for this app that knows coloured shapes "
        "(circle, square, triangle, star in red, green, blue, yellow, purple, orange) and how many there are. "
        "Attach an image like that and ask, for example, <i>What colour is the circle?</i>, "
        "<i>What shape is the red object?</i> or <i>How many shapes are there?</i> It was also taught to read one "
        "printed word and to say where an object is, but it gets those wrong almost every time. It cannot answer "
        "anything else, and it was trained on single questions: start a new chat for each one.</p>"
        "<p>For real questions about any image, get <b>GLM-4.6V-Flash</b> (about 21 GB) from "
        "<a href=\"https://huggingface.co/zai-org/GLM-4.6V-Flash\">Hugging Face</a> or ModelScope with "
        "<i>File → Models…</i>, or choose a folder you already have with <i>File → Open model folder…</i>.</p>");
}

void MainWindow::showGetModelHelp() {
    auto* box = new QMessageBox(QMessageBox::Information, tr("Get GLM-4.6V-Flash"),
                                tr("<p>Sightline answers questions about any image with <b>GLM-4.6V-Flash</b>, on your own "
                                   "GPU (or slowly on the CPU).</p>"
                                   "<p>Download it (about 21 GB) from Hugging Face "
                                   "(<a href=\"https://huggingface.co/zai-org/GLM-4.6V-Flash\">zai-org/GLM-4.6V-Flash</a>) or "
                                   "ModelScope (ZhipuAI/GLM-4.6V-Flash) here: <b>Download…</b> opens the Models window, which "
                                   "checks first whether it fits your GPU, resumes an interrupted download and verifies every "
                                   "file. On the command line:</p>"
                                   "<p><code>sightline-cli models pull zai-org/GLM-4.6V-Flash</code></p>"
                                   "<p>A folder you already have opens with <b>Open model folder…</b>. It becomes your model; "
                                   "the demo model stays available when no model is set.</p>"),
                                QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("getModelDialog"));
    box->setTextFormat(Qt::RichText);
    box->setTextInteractionFlags(Qt::TextBrowserInteraction);
    QPushButton* download = box->addButton(tr("Download…"), QMessageBox::ActionRole);
    QPushButton* open = box->addButton(tr("Open model folder…"), QMessageBox::AcceptRole);
    box->setDefaultButton(download);
    connect(download, &QPushButton::clicked, this, &MainWindow::modelsDialogRequested, Qt::QueuedConnection);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(open, &QPushButton::clicked, this, &MainWindow::openModelFolder, Qt::QueuedConnection);
    box->open();
}

}  // namespace sightline::ui
