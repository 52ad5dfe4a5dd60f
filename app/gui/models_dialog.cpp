#include "models_dialog.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <cmath>

#include "hub.h"
#include "model_store.h"
#include "sightline/checkpoint.h"
#include "sightline/engine.h"
#include "sightline/request_rules.h"

namespace sightline::app {

namespace {

QString bytesText(double b) {
    return QString::fromStdString(humanBytes(b));
}

QString durationText(double s) {
    if (s < 0) return QStringLiteral("--");
    const long t = std::lround(s);
    if (t >= 3600) return QStringLiteral("%1 h %2 min").arg(t / 3600).arg((t / 60) % 60);
    if (t >= 60) return QStringLiteral("%1 min %2 s").arg(t / 60).arg(t % 60);
    return QStringLiteral("%1 s").arg(t);
}

QString gib(int64_t b) {
    return QStringLiteral("%1 GiB").arg(double(b) / double(int64_t(1) << 30), 0, 'f', 2);
}

// Runs `f` on the GUI thread if the dialog still exists.
template <class F>
void post(const QPointer<ModelsDialog>& d, F f) {
    QMetaObject::invokeMethod(
        qApp,
        [d, f = std::move(f)]() mutable {
            if (d) f(d.data());
        },
        Qt::QueuedConnection);
}

// The fit report for one folder with the window's settings (the engine's check; no weights read).
QString fitReport(const QString& dir, const ui::GenerationSettings& s) {
    try {
        const CheckpointCheck c = checkCheckpoint(dir.toStdString());
        FitQuery q;
        q.device = s.device == QLatin1String("cpu")    ? DeviceKind::Cpu
                   : s.device == QLatin1String("cuda") ? DeviceKind::Cuda
                                                       : (cudaAvailable() ? DeviceKind::Cuda : DeviceKind::Cpu);
        q.dtype = resolveDType(s.dtype.toStdString(), q.device).value_or(autoDType(q.device));
        q.maxImagePixels = s.maxImagePixels;
        const MemoryEstimate m = estimateMemory(c, q);
        QString r = QObject::tr("%1: %2 parameters (%3), %4 tensors, %5 on disk\n")
                        .arg(QFileInfo(dir).fileName())
                        .arg(double(c.parameters) / 1e9, 0, 'f', 3)
                        .arg(QString::fromStdString(c.storageDtype))
                        .arg(c.tensors)
                        .arg(bytesText(double(c.fileBytes)));
        if (c.problems.empty()) r += QObject::tr("Every tensor config.json implies is there, with its shape.\n");
        for (const auto& p : c.problems) r += QObject::tr("Problem: %1\n").arg(QString::fromStdString(p));
        r += QObject::tr("Memory on %1 in %2 (context %3 × %4 slots, the image budget of the settings):\n")
                 .arg(QString::fromStdString(m.device), QString::fromLatin1(dtypeName(q.dtype)))
                 .arg(q.context)
                 .arg(q.slots);
        r += QObject::tr("  weights %1, KV cache %2, vision %3, prefill %4, runtime %5; while loading %6\n")
                 .arg(gib(m.weights), gib(m.kvCache), gib(m.vision), gib(m.prefill), gib(m.runtime), gib(m.loadPeak));
        r += QObject::tr("  total %1, free %2: %3\n")
                 .arg(gib(m.total), m.free < 0 ? QObject::tr("unknown") : gib(m.free),
                      m.fits ? QObject::tr("fits") : QObject::tr("does NOT fit"));
        for (const auto& sug : m.suggestions) r += QObject::tr("  would fit with: %1\n").arg(QString::fromStdString(sug));
        return r;
    } catch (const std::exception& e) {
        return QObject::tr("%1 cannot be used: %2").arg(dir, QString::fromUtf8(e.what()));
    }
}

}  // namespace

ModelsDialog::ModelsDialog(const ui::GenerationSettings& settings, QWidget* parent)
    : QDialog(parent), m_settings(settings), m_root(QString::fromStdString(defaultModelsDir())) {
    if (qEnvironmentVariableIsEmpty("SIGHTLINE_MODELS_DIR")) {
        const QString chosen = QSettings().value(QStringLiteral("modelsFolder")).toString();
        if (!chosen.isEmpty()) m_root = chosen;
    }
    setObjectName(QStringLiteral("modelsDialog"));
    setWindowTitle(tr("Models"));
    auto* top = new QVBoxLayout(this);

    m_folderLabel = new QLabel(this);
    m_folderLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folderLabel, 1);
    auto* change = new QPushButton(tr("Change…"), this);
    change->setObjectName(QStringLiteral("changeModelsFolder"));
    change->setToolTip(tr("Keep models in another folder (a bigger disk); models already there stay where they are"));
    connect(change, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Models folder"), m_root);
        if (!d.isEmpty()) {
            QSettings().setValue(QStringLiteral("modelsFolder"), d);
            setModelsFolder(d);
        }
    });
    folderRow->addWidget(change);
    top->addLayout(folderRow);

    m_table = new QTableWidget(0, 5, this);
    m_table->setObjectName(QStringLiteral("modelsTable"));
    m_table->setHorizontalHeaderLabels({tr("Model"), tr("Size"), tr("Parameters"), tr("From"), tr("State")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
    top->addWidget(m_table, 2);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &ModelsDialog::updateButtons);
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this] {
        if (!selectedDir().isEmpty()) Q_EMIT useModel(selectedDir());
    });

    auto* rowButtons = new QHBoxLayout;
    m_use = new QPushButton(tr("Use"), this);
    m_use->setObjectName(QStringLiteral("useModel"));
    m_use->setToolTip(tr("Load this model (it becomes your model folder)"));
    m_check = new QPushButton(tr("Will it fit?"), this);
    m_check->setObjectName(QStringLiteral("checkModel"));
    m_delete = new QPushButton(tr("Delete…"), this);
    m_delete->setObjectName(QStringLiteral("deleteModel"));
    m_import = new QPushButton(tr("Import folder…"), this);
    m_import->setObjectName(QStringLiteral("importModel"));
    m_import->setToolTip(tr("Copy a checkpoint folder you already have into the models folder (checked first)"));
    rowButtons->addWidget(m_use);
    rowButtons->addWidget(m_check);
    rowButtons->addWidget(m_delete);
    rowButtons->addStretch();
    rowButtons->addWidget(m_import);
    top->addLayout(rowButtons);
    connect(m_use, &QPushButton::clicked, this, [this] {
        if (!selectedDir().isEmpty()) Q_EMIT useModel(selectedDir());
    });
    connect(m_check, &QPushButton::clicked, this, &ModelsDialog::checkSelected);
    connect(m_delete, &QPushButton::clicked, this, &ModelsDialog::deleteSelected);
    connect(m_import, &QPushButton::clicked, this, [this] { importFolder(); });

    m_report = new QPlainTextEdit(this);
    m_report->setObjectName(QStringLiteral("fitReport"));
    m_report->setReadOnly(true);
    m_report->setPlaceholderText(
        tr("Select a model and press \"Will it fit?\": every tensor is checked (no weights read) and "
           "the memory it needs with the current settings is compared with what is free."));
    m_report->setMaximumHeight(130);
    top->addWidget(m_report);

    auto* get = new QGroupBox(tr("Download a model"), this);
    auto* form = new QFormLayout(get);
    m_source = new QComboBox(get);
    m_source->setObjectName(QStringLiteral("pullSource"));
    m_source->addItem(tr("Hugging Face"), QStringLiteral("huggingface"));
    m_source->addItem(tr("ModelScope"), QStringLiteral("modelscope"));
    m_repo = new QLineEdit(QStringLiteral("zai-org/GLM-4.6V-Flash"), get);
    m_repo->setObjectName(QStringLiteral("pullRepo"));
    connect(m_source, &QComboBox::currentIndexChanged, this, [this](int i) {
        // The official repository's name on each hub.
        if (i == 1 && m_repo->text() == QLatin1String("zai-org/GLM-4.6V-Flash")) m_repo->setText(QStringLiteral("ZhipuAI/GLM-4.6V-Flash"));
        if (i == 0 && m_repo->text() == QLatin1String("ZhipuAI/GLM-4.6V-Flash")) m_repo->setText(QStringLiteral("zai-org/GLM-4.6V-Flash"));
    });
    form->addRow(tr("From"), m_source);
    form->addRow(tr("Repository"), m_repo);
    auto* pullRow = new QHBoxLayout;
    m_pull = new QPushButton(tr("Download"), get);
    m_pull->setObjectName(QStringLiteral("pullButton"));
    m_cancel = new QPushButton(tr("Stop"), get);
    m_cancel->setObjectName(QStringLiteral("pullCancel"));
    m_cancel->setToolTip(tr("Stop the download; the next download of the same model continues where it stopped"));
    m_total = new QProgressBar(get);
    m_total->setObjectName(QStringLiteral("pullProgress"));
    m_total->setRange(0, 1000);
    m_total->setValue(0);
    m_total->setTextVisible(true);
    pullRow->addWidget(m_pull);
    pullRow->addWidget(m_cancel);
    pullRow->addWidget(m_total, 1);
    form->addRow(pullRow);
    m_status = new QLabel(get);
    m_status->setObjectName(QStringLiteral("pullStatus"));
    m_status->setWordWrap(true);
    m_status->setText(
        tr("Files are checked against the hub's checksums; an interrupted download continues where it stopped. "
           "HF_ENDPOINT and HF_TOKEN are honoured."));
    form->addRow(m_status);
    m_files = new QTreeWidget(get);
    m_files->setObjectName(QStringLiteral("pullFiles"));
    m_files->setHeaderLabels({tr("File"), tr("Size"), tr("Progress")});
    m_files->setRootIsDecorated(false);
    m_files->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_files->setMaximumHeight(150);
    form->addRow(m_files);
    top->addWidget(get, 1);
    connect(m_pull, &QPushButton::clicked, this, &ModelsDialog::startPull);
    connect(m_cancel, &QPushButton::clicked, this, &ModelsDialog::cancelPull);

    auto* close = new QPushButton(tr("Close"), this);
    connect(close, &QPushButton::clicked, this, &QDialog::close);
    auto* bottom = new QHBoxLayout;
    bottom->addStretch();
    bottom->addWidget(close);
    top->addLayout(bottom);
    resize(760, 640);
    refresh();
}

ModelsDialog::~ModelsDialog() {
    if (m_cancelFlag) m_cancelFlag->store(true);
    if (m_worker.joinable()) m_worker.join();
    if (m_checker.joinable()) m_checker.join();
}

void ModelsDialog::closeEvent(QCloseEvent* event) {
    if (m_cancelFlag) m_cancelFlag->store(true);
    QDialog::closeEvent(event);
}

void ModelsDialog::setModelsFolder(const QString& dir) {
    if (pulling() || dir.isEmpty()) return;
    m_root = dir;
    m_report->clear();
    refresh();
}

void ModelsDialog::refresh() {
    m_folderLabel->setText(tr("Models folder: %1").arg(QDir::toNativeSeparators(m_root)));
    const QString keep = selectedDir();
    m_table->setRowCount(0);
    for (const auto& m : listLocalModels(m_root.toStdString())) {
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        auto* name = new QTableWidgetItem(
            QString::fromStdString(m.hasOrigin && !m.origin.repo.empty() && m.origin.source != "import" ? m.origin.repo : m.name));
        name->setData(Qt::UserRole, QString::fromStdString(m.dir));
        name->setToolTip(QString::fromStdString(m.dir));
        m_table->setItem(row, 0, name);
        m_table->setItem(row, 1, new QTableWidgetItem(bytesText(double(m.bytes))));
        QString params = QStringLiteral("—");
        QString state = m.downloading ? tr("incomplete download") : m.hasOrigin && m.origin.verified ? tr("verified") : tr("not verified");
        if (m.hasConfig && !m.downloading) {
            try {
                const CheckpointCheck c = checkCheckpoint(m.dir);
                params = (c.parameters >= 100'000'000 ? QStringLiteral("%1B").arg(double(c.parameters) / 1e9, 0, 'f', 2)
                                                      : QStringLiteral("%1M").arg(double(c.parameters) / 1e6, 0, 'f', 1)) +
                         QStringLiteral(", ") + QString::fromStdString(c.storageDtype);
                if (!c.problems.empty()) state = tr("problems: %1").arg(c.problems.size());
            } catch (const std::exception& e) {
                state = tr("unusable");
                name->setToolTip(QString::fromUtf8(e.what()));
            }
        }
        m_table->setItem(row, 2, new QTableWidgetItem(params));
        QString from =
            m.hasOrigin ? (m.origin.source == "import" ? tr("imported") : QString::fromStdString(m.origin.source)) : tr("unknown");
        m_table->setItem(row, 3, new QTableWidgetItem(from));
        m_table->setItem(row, 4, new QTableWidgetItem(state));
        if (QString::fromStdString(m.dir) == keep) m_table->selectRow(row);
    }
    const QString none = tr("No models yet: download GLM-4.6V-Flash below, or import a folder you have.");
    if (m_table->rowCount() == 0)
        m_report->setPlainText(none);
    else if (m_report->toPlainText() == none)
        m_report->clear();
    updateButtons();
}

QString ModelsDialog::selectedDir() const {
    const auto rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) return {};
    const auto* item = m_table->item(rows.first().row(), 0);
    return item ? item->data(Qt::UserRole).toString() : QString();
}

void ModelsDialog::updateButtons() {
    const bool sel = !selectedDir().isEmpty();
    m_use->setEnabled(sel);
    m_check->setEnabled(sel);
    m_delete->setEnabled(sel && !pulling());
    m_pull->setEnabled(!pulling());
    m_cancel->setEnabled(pulling());
    m_repo->setEnabled(!pulling());
    m_source->setEnabled(!pulling());
}

void ModelsDialog::checkSelected() {
    const QString dir = selectedDir();
    if (dir.isEmpty()) return;
    m_report->setPlainText(tr("Checking %1…").arg(dir));
    if (m_checker.joinable()) m_checker.join();
    QPointer<ModelsDialog> self(this);
    m_checker = std::thread([self, dir, s = m_settings] {
        const QString r = fitReport(dir, s);
        post(self, [r](ModelsDialog* d) {
            d->m_report->setPlainText(r);
            Q_EMIT d->checkFinished(r);
        });
    });
}

void ModelsDialog::startPull() {
    if (pulling()) return;
    const QString repo = m_repo->text().trimmed();
    PullOptions o;
    try {
        o.source = hubSourceFromEnv(parseHubKind(m_source->currentData().toString().toStdString()));
    } catch (const std::exception& e) {
        m_status->setText(QString::fromUtf8(e.what()));
        return;
    }
    o.repo = repo.toStdString();
    o.dir = (QDir(m_root).filePath(QString::fromStdString(folderNameForRepo(o.repo)))).toStdString();
    if (m_worker.joinable()) m_worker.join();
    m_cancelFlag = std::make_shared<std::atomic<bool>>(false);
    o.cancel = m_cancelFlag.get();
    QPointer<ModelsDialog> self(this);
    o.onProgress = [self](const PullProgress& p) { post(self, [p](ModelsDialog* d) { d->showProgress(p); }); };
    m_files->clear();
    m_total->setValue(0);
    m_status->setText(tr("Listing %1 on %2…").arg(repo, QString::fromStdString(o.source.endpoint)));
    m_pullDone = false;
    m_worker = std::thread([self, o, flag = m_cancelFlag] {
        bool ok = false;
        QString msg;
        try {
            const PullResult r = pullModel(o);
            ok = true;
            msg = QObject::tr("Downloaded %1 files (%2 over the network, %3 already here) in %4, every checksum verified.")
                      .arg(r.files.size())
                      .arg(bytesText(double(r.downloadedBytes)), bytesText(double(r.resumedBytes)), durationText(r.seconds));
        } catch (const Error& e) {
            msg = e.kind() == ErrorKind::Cancelled ? QObject::tr("Stopped. Download again to continue where it stopped.")
                                                   : QString::fromUtf8(e.what());
        } catch (const std::exception& e) {
            msg = QString::fromUtf8(e.what());
        }
        const QString dir = QString::fromStdString(o.dir);
        post(self, [ok, msg, dir](ModelsDialog* d) { d->pullEnded(ok, msg, dir); });
    });
    updateButtons();
}

void ModelsDialog::cancelPull() {
    if (m_cancelFlag) m_cancelFlag->store(true);
    m_status->setText(tr("Stopping…"));
}

void ModelsDialog::showProgress(const PullProgress& p) {
    if (m_pullDone) return;
    if (m_files->topLevelItemCount() != int(p.files.size())) {
        m_files->clear();
        for (const auto& f : p.files)
            m_files->addTopLevelItem(new QTreeWidgetItem({QString::fromStdString(f.path), bytesText(double(f.size)), {}}));
    }
    for (int i = 0; i < int(p.files.size()); ++i) {
        const auto& f = p.files[size_t(i)];
        const int pct = f.size > 0 ? int(100.0 * double(f.done) / double(f.size)) : 100;
        const QString state = f.state == "done"          ? tr("verified")
                              : f.state == "kept"        ? tr("already here")
                              : f.state == "downloading" ? QStringLiteral("%1%").arg(pct)
                              : f.state == "resuming"    ? tr("resuming at %1%").arg(pct)
                              : f.state == "verifying"   ? tr("verifying")
                              : f.state == "retrying"    ? tr("retrying")
                              : f.state == "failed"      ? tr("failed")
                                                         : tr("waiting");
        m_files->topLevelItem(i)->setText(2, state);
    }
    m_total->setValue(p.totalBytes > 0 ? int(1000.0 * double(p.doneBytes) / double(p.totalBytes)) : 0);
    m_total->setFormat(QStringLiteral("%1 / %2").arg(bytesText(double(p.doneBytes)), bytesText(double(p.totalBytes))));
    QString s = tr("%1/s, %2 left").arg(bytesText(p.bytesPerSecond), durationText(p.etaSeconds));
    if (p.resumedBytes > 0) s += tr("; %1 were already here").arg(bytesText(double(p.resumedBytes)));
    if (!p.note.empty()) s += QStringLiteral(" — ") + QString::fromStdString(p.note);
    m_status->setText(s);
}

void ModelsDialog::pullEnded(bool ok, const QString& message, const QString& dir) {
    m_pullDone = true;
    if (m_worker.joinable()) m_worker.join();
    m_status->setText(message);
    if (ok) m_total->setValue(1000);
    refresh();
    for (int r = 0; ok && r < m_table->rowCount(); ++r)
        if (m_table->item(r, 0)->data(Qt::UserRole).toString() == dir) m_table->selectRow(r);
    updateButtons();
    Q_EMIT pullFinished(ok, message);
}

void ModelsDialog::importFolder(const QString& given) {
    if (pulling()) return;
    const QString dir = given.isEmpty() ? QFileDialog::getExistingDirectory(this, tr("Checkpoint folder to import")) : given;
    if (dir.isEmpty()) return;
    try {  // the check reads headers only: quick enough here; the copy (GBs) runs on the worker thread
        const CheckpointCheck c = checkCheckpoint(dir.toStdString());
        if (!c.problems.empty()) {
            QString list;
            for (const auto& p : c.problems) list += QString::fromStdString(p) + QLatin1Char('\n');
            m_report->setPlainText(tr("%1 does not match its config.json; not imported:\n%2").arg(dir, list));
            Q_EMIT importFinished(false, m_report->toPlainText());
            return;
        }
    } catch (const std::exception& e) {
        m_report->setPlainText(tr("Not imported: %1").arg(QString::fromUtf8(e.what())));
        Q_EMIT importFinished(false, m_report->toPlainText());
        return;
    }
    QDir().mkpath(m_root);
    const QString name = QFileInfo(QDir::cleanPath(dir)).fileName();
    if (m_worker.joinable()) m_worker.join();
    m_cancelFlag = std::make_shared<std::atomic<bool>>(false);
    m_pullDone = false;
    m_total->setValue(0);
    m_status->setText(tr("Importing %1…").arg(dir));
    QPointer<ModelsDialog> self(this);
    m_worker = std::thread([self, dir, name, root = m_root, flag = m_cancelFlag] {
        bool ok = false;
        QString msg;
        try {
            importModel(
                dir.toStdString(), root.toStdString(), name.toStdString(),
                [self](const std::string& file, int64_t done, int64_t total) {
                    post(self, [file, done, total](ModelsDialog* d) {
                        d->m_total->setValue(total > 0 ? int(1000.0 * double(done) / double(total)) : 0);
                        d->m_total->setFormat(QStringLiteral("%1 / %2").arg(bytesText(double(done)), bytesText(double(total))));
                        d->m_status->setText(tr("Importing %1…").arg(QString::fromStdString(file)));
                    });
                },
                flag.get());
            ok = true;
            msg = tr("Imported %1 as %2.").arg(dir, name);
        } catch (const std::exception& e) {
            msg = tr("Not imported: %1").arg(QString::fromUtf8(e.what()));
        }
        post(self, [ok, msg](ModelsDialog* d) {
            d->m_pullDone = true;
            if (d->m_worker.joinable()) d->m_worker.join();
            d->m_report->setPlainText(msg);
            d->m_status->setText(msg);
            d->refresh();
            Q_EMIT d->importFinished(ok, msg);
        });
    });
    updateButtons();
}

void ModelsDialog::deleteSelected() {
    const QString dir = selectedDir();
    if (dir.isEmpty() || pulling()) return;
    const QString name = QFileInfo(dir).fileName();
    auto answer = QMessageBox::question(this, tr("Delete model"), tr("Delete %1 and its files (%2)?").arg(name, dir),
                                        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes) return;
    try {
        removeModel(m_root.toStdString(), name.toStdString());
        m_report->setPlainText(tr("Deleted %1.").arg(name));
    } catch (const std::exception& e) {
        m_report->setPlainText(QString::fromUtf8(e.what()));
    }
    refresh();
}

}  // namespace sightline::app
