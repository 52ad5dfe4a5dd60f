#include "composer.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDir>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMimeData>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTextDocument>
#include <QToolButton>
#include <QVBoxLayout>

namespace sightline::ui {
namespace {

constexpr int kTileSide = 64;

// Ctrl+V of an image (data or copied files) goes to the composer's image list, text stays text.
// Dragged images are left to the window (one drop target with one highlight for the whole window).
class PromptEdit : public QPlainTextEdit {
public:
    PromptEdit(Composer* owner) : QPlainTextEdit(owner), m_owner(owner) {}
    // Three lines tall by default (the base class asks for ~12): the conversation gets the height.
    QSize sizeHint() const override {
        const int frame = 2 * frameWidth() + int(2 * document()->documentMargin()) + contentsMargins().top() + contentsMargins().bottom();
        return {QPlainTextEdit::sizeHint().width(), 3 * fontMetrics().lineSpacing() + frame};
    }

protected:
    bool canInsertFromMimeData(const QMimeData* source) const override {
        return mimeHasImages(source) || QPlainTextEdit::canInsertFromMimeData(source);
    }
    void insertFromMimeData(const QMimeData* source) override {
        if (mimeHasImages(source))
            m_owner->addFromMimeData(source);
        else
            QPlainTextEdit::insertFromMimeData(source);
    }
    void dragEnterEvent(QDragEnterEvent* e) override {
        if (mimeHasImages(e->mimeData()))
            e->ignore();  // propagates to the window
        else
            QPlainTextEdit::dragEnterEvent(e);
    }

private:
    Composer* m_owner;
};

// A square tile: the thumbnail centred on a rounded frame, or "…" while the image is read.
QPixmap tilePixmap(const QImage& thumbnail, const QPalette& pal, qreal dpr) {
    QPixmap pm(QSize(kTileSide, kTileSide) * dpr);
    pm.setDevicePixelRatio(dpr);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(pal.color(QPalette::Mid));
    p.setBrush(pal.color(QPalette::Base));
    p.drawRoundedRect(QRectF(0.5, 0.5, kTileSide - 1, kTileSide - 1), 6, 6);
    if (thumbnail.isNull()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(QRect(0, 0, kTileSide, kTileSide), Qt::AlignCenter, QStringLiteral("…"));
    } else {
        const QSize s = thumbnail.size().scaled(QSize(kTileSide - 6, kTileSide - 6), Qt::KeepAspectRatio);
        const QRect r((kTileSide - s.width()) / 2, (kTileSide - s.height()) / 2, s.width(), s.height());
        p.setRenderHint(QPainter::SmoothPixmapTransform);
        p.drawImage(r, thumbnail);
    }
    return pm;
}

}  // namespace

Composer::Composer(QWidget* parent) : QWidget(parent) {
    m_pool.setMaxThreadCount(2);
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(6);
    m_thumbBar = new QWidget(this);
    m_thumbs = new QHBoxLayout(m_thumbBar);
    m_thumbs->setContentsMargins(0, 0, 0, 0);
    m_thumbs->setSpacing(8);
    m_thumbs->addStretch();
    m_thumbBar->setVisible(false);
    v->addWidget(m_thumbBar);
    // One rounded box around the attach button, the text and Send (the window's style sheet draws
    // it, see theme.cpp), like the input bars of other chat apps.
    auto* box = new QFrame(this);
    box->setObjectName(QStringLiteral("composerBox"));
    auto* row = new QHBoxLayout(box);
    row->setContentsMargins(8, 6, 8, 6);
    row->setSpacing(8);
    m_attach = new QPushButton(tr("Image…"), this);
    m_attach->setToolTip(tr("Attach images (or drop / paste them here)"));
    m_attach->setAccessibleName(tr("Attach image"));
    m_edit = new PromptEdit(this);
    m_edit->setPlaceholderText(tr("Ask about an image… (Ctrl+Enter to send; drop or paste images)"));
    m_edit->setAccessibleName(tr("Question"));
    m_edit->setTabChangesFocus(true);  // Tab / Shift+Tab move focus: keyboard users are never trapped
    const int line = m_edit->fontMetrics().lineSpacing();
    m_edit->setMinimumHeight(2 * line + 14);  // two lines stay visible in a small window
    m_edit->setMaximumHeight(6 * line + 14);
    m_edit->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);  // its size hint: three lines
    m_edit->installEventFilter(this);
    m_edit->setFrameShape(QFrame::NoFrame);
    m_send = new QPushButton(tr("Send"), this);
    m_send->setAccessibleName(tr("Send"));
    m_send->setDefault(true);
    row->addWidget(m_attach, 0, Qt::AlignBottom);
    row->addWidget(m_edit, 1);
    row->addWidget(m_send, 0, Qt::AlignBottom);
    v->addWidget(box);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    connect(m_attach, &QPushButton::clicked, this, &Composer::openFileDialog);
    connect(m_send, &QPushButton::clicked, this, [this] {
        if (m_busy)
            Q_EMIT stopRequested();
        else
            submit();
    });
}

Composer::~Composer() {
    m_pool.waitForDone();
}

void Composer::setBusy(bool busy) {
    m_busy = busy;
    updateSendButton();
}

void Composer::updateSendButton() {
    if (m_busy)
        m_send->setText(tr("Stop"));
    else if (m_sendWhenSettled && !m_pending.isEmpty())
        m_send->setText(tr("Reading…"));
    else
        m_send->setText(tr("Send"));
    m_send->setAccessibleName(m_send->text());
}

QString Composer::text() const {
    return m_edit->toPlainText();
}
void Composer::setText(const QString& t) {
    m_edit->setPlainText(t);
}

void Composer::setImages(const QList<ImageRef>& images) {
    m_images = images;
    m_pending.clear();
    rebuildThumbnails();
}

void Composer::clear() {
    m_edit->clear();
    m_images.clear();
    m_pending.clear();  // their results are dropped when they come
    m_sendWhenSettled = false;
    rebuildThumbnails();
    updateSendButton();
}

void Composer::submit() {
    if (m_busy) return;
    if (m_pending.isEmpty()) {
        Q_EMIT sendRequested();
        return;
    }
    m_sendWhenSettled = true;
    updateSendButton();
}

bool Composer::addImageFile(const QString& path) {
    const QFileInfo fi(path);
    if (!fi.isFile() || !fi.isReadable()) {
        Q_EMIT problem(fi.isDir() ? tr("%1 is a folder, not an image").arg(fi.fileName()) : tr("Cannot read %1").arg(path));
        return false;
    }
    const Pending p{++m_nextTicket, fi.absoluteFilePath()};
    if (isDocumentFileName(path)) {
        if (!m_expander) {
            Q_EMIT problem(tr("%1: PDFs cannot be attached in this build").arg(fi.fileName()));
            return false;
        }
        m_pending.append(p);
        rebuildThumbnails();
        // One job for the whole document: its pages are read in order and applied together, in order.
        m_pool.start([this, p, inspector = m_inspector, expander = m_expander] {
            QString note, error;
            const QStringList pages = expander(p.path, &note, &error);
            QList<AttachResult> results;
            for (const QString& page : pages) results.append(inspectAttachment(p.ticket, page, inspector));
            QMetaObject::invokeMethod(
                this, [this, ticket = p.ticket, results, note, error] { applyDocument(ticket, results, note, error); },
                Qt::QueuedConnection);
        });
        return true;
    }
    m_pending.append(p);
    rebuildThumbnails();
    // The job holds copies only; its result comes back as a queued call on the GUI thread. The
    // pool is waited for in the destructor, so `this` outlives every job.
    m_pool.start([this, p, inspector = m_inspector, poster = m_poster] {
        AttachResult r = inspectAttachment(p.ticket, p.path, inspector, poster);
        QMetaObject::invokeMethod(
            this, [this, r = std::move(r)] { apply(r); }, Qt::QueuedConnection);
    });
    return true;
}

void Composer::append(const AttachResult& r) {
    if (!r.error.isEmpty()) {
        Q_EMIT problem(r.error);
        return;
    }
    // GLM-4.6V takes up to 10 images or one video in a question (its own demo's rule; transformers
    // cannot place both in one prompt).
    const bool hasVideo = std::any_of(m_images.begin(), m_images.end(), [](const ImageRef& i) { return isVideoFileName(i.path); });
    if ((isVideoFileName(r.path) && !m_images.isEmpty()) || hasVideo) {
        Q_EMIT problem(tr("%1 was not attached: a question takes images or one video, not both").arg(QFileInfo(r.path).fileName()));
        return;
    }
    ImageRef ref;
    ref.path = r.path;
    ref.sha256 = r.sha256;
    ref.thumbnail = r.thumbnail;
    ref.preflight = r.preflight;
    m_images.append(ref);
}

void Composer::apply(const AttachResult& r) {
    const auto it = std::find_if(m_pending.begin(), m_pending.end(), [&](const Pending& p) { return p.ticket == r.ticket; });
    if (it == m_pending.end()) return;  // removed or cleared meanwhile: a stale result
    m_pending.erase(it);
    append(r);
    rebuildThumbnails();
    settleIfIdle();
}

void Composer::applyDocument(quint64 ticket, const QList<AttachResult>& pages, const QString& note, const QString& error) {
    const auto it = std::find_if(m_pending.begin(), m_pending.end(), [&](const Pending& p) { return p.ticket == ticket; });
    if (it == m_pending.end()) return;  // removed or cleared meanwhile
    m_pending.erase(it);
    if (!error.isEmpty()) Q_EMIT problem(error);
    for (const AttachResult& r : pages) append(r);
    if (error.isEmpty() && !note.isEmpty()) Q_EMIT problem(note);
    rebuildThumbnails();
    settleIfIdle();
}

void Composer::settleIfIdle() {
    if (!m_pending.isEmpty()) return;
    Q_EMIT attachmentsSettled();
    if (m_sendWhenSettled) {
        m_sendWhenSettled = false;
        updateSendButton();
        if (!m_busy) Q_EMIT sendRequested();
    }
}

int Composer::addFromMimeData(const QMimeData* mime) {
    int added = 0;
    if (mime->hasUrls()) {
        for (const QUrl& url : mime->urls()) {
            if (!url.isLocalFile()) {
                Q_EMIT problem(tr("%1 is not a local file").arg(url.toString()));
                continue;
            }
            if (addImageFile(url.toLocalFile())) ++added;
        }
        if (added > 0 || !mime->hasImage()) return added;
    }
    if (mime->hasImage()) {
        const QImage img = qvariant_cast<QImage>(mime->imageData());
        if (img.isNull()) {
            Q_EMIT problem(tr("The pasted data is not an image Sightline can read"));
            return added;
        }
        // Image data from another app is kept as a PNG named by its content hash.
        QByteArray png;
        QBuffer buf(&png);
        buf.open(QIODevice::WriteOnly);
        img.save(&buf, "PNG");
        const QString folder = m_pasteFolder.isEmpty() ? QDir::tempPath() : m_pasteFolder;
        QDir().mkpath(folder);
        const QString path = folder + QStringLiteral("/pasted-") +
                             QString::fromLatin1(QCryptographicHash::hash(png, QCryptographicHash::Sha256).toHex().left(16)) +
                             QStringLiteral(".png");
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(png) != png.size()) {
            Q_EMIT problem(tr("Cannot save the pasted image to %1").arg(path));
            return added;
        }
        f.close();
        if (addImageFile(path)) ++added;
    }
    return added;
}

void Composer::openFileDialog() {
    const QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Attach images"), QString(),
        tr("Images, PDFs and videos (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.pdf *.mp4 *.mov *.m4v *.mkv *.webm *.avi);;All files (*)"));
    for (const QString& f : files) addImageFile(f);
}

void Composer::paste() {
    m_edit->setFocus();
    m_edit->paste();
}

bool Composer::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_edit && event->type() == QEvent::KeyPress) {
        auto* k = static_cast<QKeyEvent*>(event);
        if ((k->key() == Qt::Key_Return || k->key() == Qt::Key_Enter) && (k->modifiers() & Qt::ControlModifier)) {
            submit();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void Composer::rebuildThumbnails() {
    while (m_thumbs->count() > 1) {
        QLayoutItem* item = m_thumbs->takeAt(0);
        QWidget* old = item->widget();  // may hold the button being clicked: delete later
        delete item;
        old->hide();
        old->deleteLater();
    }
    const qreal dpr = devicePixelRatioF();
    auto addTile = [&](const QImage& thumb, const QString& tip, const QString& name, std::function<void()> onRemove,
                       std::function<void()> onOpen) {
        auto* box = new QWidget(m_thumbBar);
        auto* h = new QHBoxLayout(box);
        h->setContentsMargins(0, 0, 0, 0);
        h->setSpacing(2);
        auto* view = new QToolButton(box);
        view->setAutoRaise(true);
        view->setIconSize(QSize(kTileSide, kTileSide));
        view->setIcon(QIcon(tilePixmap(thumb, palette(), dpr)));
        view->setToolTip(tip);
        view->setAccessibleName(name);
        view->setEnabled(bool(onOpen));
        if (onOpen) connect(view, &QToolButton::clicked, this, onOpen);
        auto* rm = new QToolButton(box);
        rm->setAutoRaise(true);
        rm->setText(QStringLiteral("✕"));
        rm->setToolTip(tr("Remove image"));
        rm->setAccessibleName(tr("Remove %1").arg(name));
        connect(rm, &QToolButton::clicked, this, onRemove);
        h->addWidget(view);
        h->addWidget(rm, 0, Qt::AlignTop);
        m_thumbs->insertWidget(m_thumbs->count() - 1, box);
        box->show();  // now, not at the layout's next pass: the tile is there as soon as it is made
    };
    for (int i = 0; i < m_images.size(); ++i) {
        const ImageRef& im = m_images[i];
        const QString tip =
            QFileInfo(im.path).fileName() + QStringLiteral("\n") + im.preflight + QStringLiteral("\n") + tr("Click to view");
        const QString path = im.path;
        addTile(
            im.thumbnail, tip, tr("Image %1").arg(i + 1),
            [this, path] {
                // by path, not index: the list may have changed since the tile was made
                for (int j = 0; j < m_images.size(); ++j)
                    if (m_images[j].path == path) {
                        m_images.removeAt(j);
                        break;
                    }
                rebuildThumbnails();
            },
            [this, path] {
                for (int j = 0; j < m_images.size(); ++j)
                    if (m_images[j].path == path) Q_EMIT imageActivated(j);
            });
    }
    for (const Pending& p : m_pending) {
        const quint64 ticket = p.ticket;
        addTile(QImage(), tr("Reading %1…").arg(QFileInfo(p.path).fileName()), tr("Image being read"),
                [this, ticket] {
                    m_pending.erase(
                        std::remove_if(m_pending.begin(), m_pending.end(), [&](const Pending& q) { return q.ticket == ticket; }),
                        m_pending.end());
                    rebuildThumbnails();
                    settleIfIdle();
                },
                {});
    }
    m_thumbBar->setVisible(!m_images.isEmpty() || !m_pending.isEmpty());
}

}  // namespace sightline::ui
