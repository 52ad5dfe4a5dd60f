#include "attach_inspect.h"

#include <QFileInfo>
#include <QImageReader>
#include <QMimeData>
#include <QPainter>
#include <QPainterPath>
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

AttachResult inspectAttachment(quint64 ticket, const QString& path, const AttachInspector& inspector, const VideoPosterReader& poster) {
    AttachResult r;
    r.ticket = ticket;
    r.path = QFileInfo(path).absoluteFilePath();
    try {
        const bool video = isVideoFileName(path);
        if (video && !poster) {
            r.error = QObject::tr("%1: videos cannot be attached in this build").arg(QFileInfo(path).fileName());
            return r;
        }
        if (inspector) r.preflight = inspector(path, &r.error);
        if (!r.error.isEmpty()) return r;
        r.sha256 = sha256OfFile(path);
        if (video) {
            r.thumbnail = poster(path, QSize(kThumbnailSide, kThumbnailSide), &r.size, &r.error);
            return r;
        }
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

QImage markVideoPoster(QImage img, double seconds) {
    if (img.isNull()) return img;
    if (img.format() != QImage::Format_RGB32 && img.format() != QImage::Format_ARGB32_Premultiplied)
        img = img.convertToFormat(QImage::Format_RGB32);
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    const int s = std::max(12, std::min(img.width(), img.height()) / 4);
    const QPointF c(img.width() / 2.0, img.height() / 2.0);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(0, 0, 0, 140));
    p.drawEllipse(c, s * 0.75, s * 0.75);
    QPainterPath tri;
    tri.moveTo(c.x() - s * 0.25, c.y() - s * 0.35);
    tri.lineTo(c.x() + s * 0.4, c.y());
    tri.lineTo(c.x() - s * 0.25, c.y() + s * 0.35);
    tri.closeSubpath();
    p.setBrush(Qt::white);
    p.drawPath(tri);
    const int total = std::max(0, int(seconds + 0.5));
    const QString text = QStringLiteral("%1:%2").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
    QFont f = p.font();
    f.setPixelSize(std::max(9, img.height() / 9));
    f.setBold(true);
    p.setFont(f);
    const QRect box = p.fontMetrics().boundingRect(text).adjusted(-4, -2, 4, 2);
    const QRect at(img.width() - box.width() - 3, img.height() - box.height() - 3, box.width(), box.height());
    p.setBrush(QColor(0, 0, 0, 170));
    p.drawRoundedRect(at, 3, 3);
    p.setPen(Qt::white);
    p.drawText(at, Qt::AlignCenter, text);
    return img;
}

bool isVideoFileName(const QString& path) {
    static const QStringList suffixes = {QStringLiteral("mp4"),  QStringLiteral("mov"), QStringLiteral("m4v"), QStringLiteral("mkv"),
                                         QStringLiteral("webm"), QStringLiteral("avi"), QStringLiteral("mpg"), QStringLiteral("mpeg"),
                                         QStringLiteral("ts"),   QStringLiteral("flv"), QStringLiteral("ogv"), QStringLiteral("3gp")};
    return suffixes.contains(QFileInfo(path).suffix().toLower());
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
        if (fi.isFile() && (isImageFileName(fi.filePath()) || isDocumentFileName(fi.filePath()) || isVideoFileName(fi.filePath())))
            return true;
    }
    return false;
}

}  // namespace sightline::ui
