// Reading an attachment off the GUI thread: content hash, thumbnail and the app's pre-flight text
// (size → resized size, image tokens). Also the one rule for "is this drag/paste an image?".
// inspectAttachment() runs on a pool thread: it touches no widget and no QObject; what it returns
// is applied by the composer on the GUI thread.
#pragma once

#include <QImage>
#include <QSize>
#include <QString>
#include <functional>

class QMimeData;

namespace sightline::ui {

// Returns the pre-flight text for an image file, or sets *error. Called on a pool thread, so it
// must be thread-safe (the app's reads only the backend, which guards its model with a mutex).
using AttachInspector = std::function<QString(const QString& path, QString* error)>;

struct AttachResult {
    quint64 ticket = 0;  // which pending attachment this answers
    QString path;        // absolute
    QString sha256;
    QImage thumbnail;  // at most kThumbnailSide on its longer side
    QSize size;        // the image's own size (after EXIF orientation), invalid if unknown
    QString preflight;
    QString error;  // non-empty: not attached, shown to the user
};

constexpr int kThumbnailSide = 192;  // sharp at 96 px in a message on a 2× screen; stored with the chat

// A video's poster (its first frame, scaled to fit `box`, with its length drawn on it) and its own
// size, or *error. Set by the app (it decodes with FFmpeg); pool thread.
using VideoPosterReader = std::function<QImage(const QString& path, QSize box, QSize* size, QString* error)>;

// A video's poster as messages and the composer show it: a play mark and the length ("0:12") drawn
// on the frame. Any thread.
QImage markVideoPoster(QImage poster, double seconds);

// A video file (isVideoFileName) gets its thumbnail from `poster`; without one it is refused.
AttachResult inspectAttachment(quint64 ticket, const QString& path, const AttachInspector& inspector, const VideoPosterReader& poster = {});

// Decodes an image scaled down to fit `box` (scaled decode: an 8000×6000 JPEG never allocates its
// full size). Any thread. A null image when it cannot be read; *size gets the full size when known.
QImage readScaledImage(const QString& path, QSize box, QSize* size = nullptr);

// Whether a drag or paste carries something the composer can attach: image data, or local files
// with an image suffix (folders, CSV, remote URLs are not).
bool mimeHasImages(const QMimeData* mime);
bool isImageFileName(const QString& path);
// A video file by its suffix (mp4, mov, m4v, mkv, webm, avi, mpg, mpeg, ts, flv, ogv, 3gp; any case).
bool isVideoFileName(const QString& path);
// A document whose pages the app can attach as images (a PDF: ".pdf", any case).
bool isDocumentFileName(const QString& path);
// Turns a document into page images on a pool thread: the page files in order, a note for the user
// ("pages 1–10 of 23 …", may be empty), or an error. Set by the app (it rasterises with poppler).
using DocumentExpander = std::function<QStringList(const QString& path, QString* note, QString* error)>;

}  // namespace sightline::ui
