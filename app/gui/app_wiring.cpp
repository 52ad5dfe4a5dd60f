#include "app_wiring.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QStandardPaths>
#include <atomic>
#include <memory>

#include "attach_inspect.h"
#include "composer.h"
#include "engine_controller.h"
#include "local_backend.h"
#include "main_window.h"
#include "models_dialog.h"
#include "moderation_controller.h"
#include "monitor_widget.h"
#include "pdf_pages.h"
#include "remote_backend.h"
#include "settings_dialog.h"
#include "sightline/video.h"
#include "video_probe.h"

namespace sightline::app {

std::shared_ptr<InferenceBackend> makeBackend(const ui::BackendSettings& b, QString* problem) {
    if (!b.remote) return std::make_shared<LocalBackend>();
    try {
        RemoteOptions o;
        o.baseUrl = b.url.toStdString();
        o.apiKey = b.apiKey.toStdString();
        if (o.apiKey.empty()) o.apiKey = qEnvironmentVariable("SIGHTLINE_REMOTE_API_KEY").toStdString();
        o.model = b.model.toStdString();
        return std::make_shared<RemoteBackend>(o);
    } catch (const std::exception& e) {
        *problem = QObject::tr("The remote server cannot be used (%1): the local engine answers instead.").arg(QString::fromUtf8(e.what()));
        return std::make_shared<LocalBackend>();
    }
}

void wireWindow(ui::MainWindow* w, EngineController* c) {
    QObject::connect(w, &ui::MainWindow::generateRequested, c, &EngineController::generate);
    QObject::connect(w, &ui::MainWindow::stopRequested, c, &EngineController::stop);
    QObject::connect(w, &ui::MainWindow::loadModelRequested, c, &EngineController::load);
    QObject::connect(w, &ui::MainWindow::cancelLoadRequested, c, &EngineController::cancelLoad);
    QObject::connect(w, &ui::MainWindow::settingsChanged, w, [](const ui::GenerationSettings& s) { ui::saveSettings(s); });
    // One Models dialog at a time; "Use" loads the chosen folder as File → Open model folder… does.
    QObject::connect(w, &ui::MainWindow::modelsDialogRequested, w, [w] {
        if (auto* open = w->findChild<ModelsDialog*>()) {
            open->raise();
            open->activateWindow();
            return;
        }
        auto* d = new ModelsDialog(w->settings(), w);
        d->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(d, &ModelsDialog::useModel, w, [w, d](const QString& dir) {
            w->loadModel(dir);
            d->close();
        });
        d->show();
    });
    QObject::connect(c, &EngineController::loadStarted, w, &ui::MainWindow::onLoadStarted);
    QObject::connect(c, &EngineController::loadProgress, w, &ui::MainWindow::onLoadProgress);
    QObject::connect(c, &EngineController::modelLoaded, w, &ui::MainWindow::onModelLoaded);
    QObject::connect(c, &EngineController::loadFailed, w, &ui::MainWindow::onLoadFailed);
    QObject::connect(c, &EngineController::chunk, w, &ui::MainWindow::onChunk);
    QObject::connect(c, &EngineController::finished, w, &ui::MainWindow::onFinished);
    QObject::connect(c, &EngineController::failed, w, &ui::MainWindow::onFailed);
    QObject::connect(c, &EngineController::notice, w, [w](quint64, const QString& text) { w->showInfo(text); });
    QObject::connect(c, &EngineController::memory, w, &ui::MainWindow::onMemory);
    // The inspector runs on the composer's pool thread: it holds the backend (shared, mutex-guarded)
    // and a copy of the image budget kept current from the GUI thread, never the window or the
    // controller (either may be gone before a late inspection ends).
    auto maxPixels = std::make_shared<std::atomic<qint64>>(w->settings().maxImagePixels);
    auto maxVideoPixels = std::make_shared<std::atomic<qint64>>(w->settings().maxVideoPixels);
    QObject::connect(w, &ui::MainWindow::settingsChanged, w, [maxPixels, maxVideoPixels](const ui::GenerationSettings& s) {
        maxPixels->store(s.maxImagePixels);
        maxVideoPixels->store(s.maxVideoPixels);
    });
    // PDFs: their pages rasterised (poppler, on the composer's pool thread) to PNGs in the cache
    // folder, named by the document's path, size and time, then attached as images in order.
    w->composer()->setDocumentExpander([maxPixels](const QString& path, QString* note, QString* error) {
        QStringList files;
        try {
            const PdfDocumentPages doc = rasterizePdf(path.toStdString(), PdfPageRange{}, maxPixels->load());
            const QFileInfo fi(path);
            const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/documents");
            QDir().mkpath(dir);
            const QByteArray key = fi.absoluteFilePath().toUtf8() + QByteArray::number(fi.size()) +
                                   QByteArray::number(fi.lastModified().toMSecsSinceEpoch()) + QByteArray::number(maxPixels->load());
            const QString stem = fi.completeBaseName() + QLatin1Char('-') +
                                 QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha1).toHex().left(12));
            for (const auto& p : doc.pages) {
                const QImage img(p.image.pixels.data(), p.image.width, p.image.height, p.image.width * 3, QImage::Format_RGB888);
                const QString file = dir + QLatin1Char('/') + stem + QStringLiteral("-page%1.png").arg(p.number);
                if (!img.save(file, "PNG")) {
                    *error = QObject::tr("Cannot write %1").arg(file);
                    return QStringList{};
                }
                files.append(file);
            }
            if (!doc.note.empty()) *note = fi.fileName() + QStringLiteral(": ") + QString::fromStdString(doc.note);
        } catch (const std::exception& e) {
            *error = QString::fromUtf8(e.what());
        }
        return files;
    });
    // Videos: the first frame (FFmpeg, on the composer's pool thread) with a play mark and the length.
    if (videoDecodingSupported())
        w->composer()->setVideoPosterReader([](const QString& path, QSize box, QSize* size, QString* error) {
            try {
                const std::shared_ptr<const VideoSource> src = probedVideoFile(path);
                const RgbImage frame = decodeVideoPoster(*src);
                if (size) *size = QSize(frame.width, frame.height);
                QImage img = QImage(frame.pixels.data(), frame.width, frame.height, frame.width * 3, QImage::Format_RGB888)
                                 .convertToFormat(QImage::Format_RGB32);
                if (img.width() > box.width() || img.height() > box.height())  // down only, as image thumbnails
                    img = img.scaled(box, Qt::KeepAspectRatio, Qt::SmoothTransformation);
                return ui::markVideoPoster(img, src->info.duration);
            } catch (const std::exception& e) {
                *error = QString::fromUtf8(e.what());
            }
            return QImage();
        });
    w->composer()->setInspector([backend = c->backend(), maxPixels, maxVideoPixels](const QString& path, QString* error) {
        return EngineController::preflight(*backend, path, maxPixels->load(), error, maxVideoPixels->load());
    });
}

void wireMonitor(ui::MonitorWidget* m, EngineController* c) {
    QObject::connect(c, &EngineController::requestCompleted, m,
                     [m](quint64 id, const QString& source, const ui::MessageStats& s, qint64 imageTokens, double pre, double vision,
                         double prefill, qint64 delta) {
                         ui::RequestRecord r;
                         r.id = id;
                         r.source = source;
                         r.imageTokens = imageTokens;
                         r.promptTokens = s.promptTokens;
                         r.outputTokens = s.generatedTokens;
                         r.preprocessMs = pre;
                         r.visionMs = vision;
                         r.prefillMs = prefill;
                         r.ttftMs = s.ttftMs;
                         r.totalMs = s.totalMs;
                         r.decodeTokensPerS = s.decodeTokensPerS;
                         r.peakMemoryBytes = s.peakMemoryBytes;
                         r.memoryDeltaBytes = delta;
                         r.device = s.device;
                         m->addRequest(r);
                     });
    QObject::connect(c, &EngineController::memorySample, m, [m](qint64 a, qint64 r, qint64 u, qint64 t, int util, const QString& note) {
        m->addMemorySample({a, r, u, t, util, note});
    });
    QObject::connect(c, &EngineController::schedulerSample, m, &ui::MonitorWidget::setSchedulerState);
    QObject::connect(m, &ui::MonitorWidget::benchmarkRequested, c, &EngineController::runBenchmark);
    QObject::connect(c, &EngineController::benchmarkProgress, m, &ui::MonitorWidget::showBenchmarkProgress);
    QObject::connect(c, &EngineController::benchmarkFinished, m, &ui::MonitorWidget::showBenchmarkResult);
}

QString versionReport() {
    const RuntimeVersions v = runtimeVersions();
    auto orNone = [](const std::string& s) { return s.empty() ? QObject::tr("none") : QString::fromStdString(s); };
    return QObject::tr("Sightline: %1\nQt: %2 (built with %3)\nlibtorch: %4\nCUDA runtime: %5\nCUDA driver: %6\nNVIDIA driver: %7\nGPU: %8")
        .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR), orNone(v.libtorch),
             orNone(v.cudaRuntime), orNone(v.cudaDriver), orNone(v.nvidiaDriver), orNone(v.gpu));
}

void wireModeration(ModerationController* moderation, EngineController* c) {
    QObject::connect(c, &EngineController::loadStarted, moderation, [moderation] { moderation->cancel(); });
}

}  // namespace sightline::app
