#include "composer.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImageReader>
#include <QKeyEvent>
#include <QLabel>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

#include "chat_store.h"

namespace sightline::ui {
namespace {

// Ctrl+V of an image (data or copied files) goes to the composer's image list, text stays text.
class PromptEdit : public QPlainTextEdit {
public:
    PromptEdit(Composer* owner) : QPlainTextEdit(owner), m_owner(owner) {}

protected:
    bool canInsertFromMimeData(const QMimeData* source) const override {
        return source->hasImage() || source->hasUrls() || QPlainTextEdit::canInsertFromMimeData(source);
    }
    void insertFromMimeData(const QMimeData* source) override {
        if (source->hasImage() || source->hasUrls()) m_owner->addFromMimeData(source);
        else QPlainTextEdit::insertFromMimeData(source);
    }

private:
    Composer* m_owner;
};

}  // namespace

Composer::Composer(QWidget* parent) : QWidget(parent) {
    setAcceptDrops(true);
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    m_thumbBar = new QWidget(this);
    m_thumbs = new QHBoxLayout(m_thumbBar);
    m_thumbs->setContentsMargins(0, 0, 0, 0);
    m_thumbs->addStretch();
    m_thumbBar->setVisible(false);
    v->addWidget(m_thumbBar);
    auto* row = new QHBoxLayout;
    m_attach = new QPushButton(tr("Image…"), this);
    m_attach->setToolTip(tr("Attach images (or drop / paste them here)"));
    m_attach->setAccessibleName(tr("Attach image"));
    m_edit = new PromptEdit(this);
    m_edit->setPlaceholderText(tr("Ask about an image… (Ctrl+Enter to send; drop or paste images)"));
    m_edit->setAccessibleName(tr("Question"));
    m_edit->setMaximumHeight(84);
    m_edit->installEventFilter(this);
    m_send = new QPushButton(tr("Send"), this);
    m_send->setAccessibleName(tr("Send"));
    m_send->setDefault(true);
    row->addWidget(m_attach);
    row->addWidget(m_edit, 1);
    row->addWidget(m_send);
    v->addLayout(row);
    connect(m_attach, &QPushButton::clicked, this, &Composer::openFileDialog);
    connect(m_send, &QPushButton::clicked, this, [this] {
        if (m_busy) Q_EMIT stopRequested();
        else Q_EMIT sendRequested();
    });
}

void Composer::setBusy(bool busy) {
    m_busy = busy;
    m_send->setText(busy ? tr("Stop") : tr("Send"));
    m_send->setAccessibleName(m_send->text());
}

QString Composer::text() const { return m_edit->toPlainText(); }
void Composer::setText(const QString& t) { m_edit->setPlainText(t); }

void Composer::setImages(const QList<ImageRef>& images) {
    m_images = images;
    rebuildThumbnails();
}

void Composer::clear() {
    m_edit->clear();
    m_images.clear();
    rebuildThumbnails();
}

bool Composer::addImageFile(const QString& path) {
    QString error;
    const QString preflight = m_inspector ? m_inspector(path, &error) : QString();
    if (!error.isEmpty()) {
        Q_EMIT problem(error);
        return false;
    }
    ImageRef ref;
    ref.path = QFileInfo(path).absoluteFilePath();
    ref.sha256 = sha256OfFile(path);
    ref.preflight = preflight;
    QImageReader reader(path);
    reader.setAutoTransform(true);
    reader.setScaledSize(QSize());  // read at its size, then scale: small thumbnails only are kept
    const QImage img = reader.read();
    ref.thumbnail = img.isNull() ? QImage() : img.scaled(128, 128, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    m_images.append(ref);
    rebuildThumbnails();
    return true;
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
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Attach images"), QString(),
                                                            tr("Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif);;All files (*)"));
    for (const QString& f : files) addImageFile(f);
}

void Composer::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls() || e->mimeData()->hasImage()) e->acceptProposedAction();
}

void Composer::dropEvent(QDropEvent* e) {
    if (addFromMimeData(e->mimeData()) > 0) e->acceptProposedAction();
}

bool Composer::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_edit && event->type() == QEvent::KeyPress) {
        auto* k = static_cast<QKeyEvent*>(event);
        if ((k->key() == Qt::Key_Return || k->key() == Qt::Key_Enter) && (k->modifiers() & Qt::ControlModifier)) {
            if (!m_busy) Q_EMIT sendRequested();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void Composer::rebuildThumbnails() {
    while (m_thumbs->count() > 1) delete m_thumbs->takeAt(0)->widget();
    for (int i = 0; i < m_images.size(); ++i) {
        auto* box = new QWidget(m_thumbBar);
        auto* h = new QHBoxLayout(box);
        h->setContentsMargins(0, 0, 0, 0);
        auto* l = new QLabel(box);
        l->setPixmap(QPixmap::fromImage(m_images[i].thumbnail).scaled(64, 64, Qt::KeepAspectRatio, Qt::SmoothTransformation));
        l->setToolTip(QFileInfo(m_images[i].path).fileName() + QStringLiteral("\n") + m_images[i].preflight);
        auto* rm = new QToolButton(box);
        rm->setText(QStringLiteral("✕"));
        rm->setToolTip(tr("Remove image"));
        rm->setAccessibleName(tr("Remove image %1").arg(i + 1));
        connect(rm, &QToolButton::clicked, this, [this, i] {
            if (i < m_images.size()) m_images.removeAt(i);
            rebuildThumbnails();
        });
        h->addWidget(l);
        h->addWidget(rm);
        m_thumbs->insertWidget(m_thumbs->count() - 1, box);
    }
    m_thumbBar->setVisible(!m_images.isEmpty());
}

}  // namespace sightline::ui
