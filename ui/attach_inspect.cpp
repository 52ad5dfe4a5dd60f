#include "attach_inspect.h"

#include <QFileInfo>
#include <QImageReader>
#include <QMimeData>
#include <QUrl>

#include "chat_store.h"

namespace sightline::ui {

QImage readScaledImage(const QString& path, QSize box, QSize* size) {
    QImageReader reader(path);
    reader.setAutoTransform(true);
    QSize full = reader.size();
    // EXIF orientations 5..8 swap width and height.
    if (full.isValid() && (reader.transformation() & QImageIOHandler::TransformationRotate90)) full.transpose();
    if (size) *size = full;
    if (full.isValid() && (full.width() > box.width() || full.height() > box.height())) {
        QSize scaled = full.scaled(box, Qt::KeepAspectRatio).expandedTo(QSize(1, 1));
        // The reader scales before it rotates: ask for the unrotated shape.
        if (reader.transformation() & QImageIOHandler::TransformationRotate90) scaled.transpose();
        reader.setScaledSize(scaled);
    }
    QImage img = reader.read();
    if (img.isNull()) return {};
    if (!full.isValid() && size) *size = img.size();
    if (img.width() > box.width() || img.height() > box.height())  // formats that ignore setScaledSize
        img = img.scaled(box, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return img;
}

AttachResult inspectAttachment(quint64 ticket, const QString& path, const AttachInspector& inspector) {
    AttachResult r;
    r.ticket = ticket;
    r.path = QFileInfo(path).absoluteFilePath();
    try {
        if (inspector) r.preflight = inspector(path, &r.error);
        if (!r.error.isEmpty()) return r;
        r.sha256 = sha256OfFile(path);
        r.thumbnail = readScaledImage(path, QSize(kThumbnailSide, kThumbnailSide), &r.size);
        if (r.thumbnail.isNull() && !inspector)
            r.error = QObject::tr("%1 is not an image Sightline can read").arg(QFileInfo(path).fileName());
    } catch (const std::exception& e) {  // a pool thread never lets an exception out
        r.error = QString::fromUtf8(e.what());
    }
    return r;
}

bool isImageFileName(const QString& path) {
    static const QList<QByteArray> formats = QImageReader::supportedImageFormats();
    const QByteArray suffix = QFileInfo(path).suffix().toLower().toLatin1();
    return !suffix.isEmpty() && formats.contains(suffix);
}

bool isDocumentFileName(const QString& path) {
    return QFileInfo(path).suffix().compare(QLatin1String("pdf"), Qt::CaseInsensitive) == 0;
}

bool mimeHasImages(const QMimeData* mime) {
    if (!mime) return false;
    if (mime->hasImage()) return true;
    if (!mime->hasUrls()) return false;
    for (const QUrl& url : mime->urls()) {
        if (!url.isLocalFile()) continue;
        const QFileInfo fi(url.toLocalFile());
        if (fi.isFile() && (isImageFileName(fi.filePath()) || isDocumentFileName(fi.filePath()))) return true;
    }
    return false;
}

}  // namespace sightline::ui
