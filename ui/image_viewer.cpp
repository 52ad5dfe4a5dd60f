#include "image_viewer.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <functional>

#include "attach_inspect.h"

namespace sightline::ui {

// Paints one image at a zoom and a centre point (image coordinates), pans with the mouse.
class ImageCanvas : public QWidget {
public:
    static constexpr double kMinZoom = 0.02, kMaxZoom = 32.0;
    explicit ImageCanvas(QWidget* parent) : QWidget(parent) {
        setMinimumSize(200, 150);
        setFocusPolicy(Qt::StrongFocus);
        setAutoFillBackground(true);
        QPalette pal = palette();
        pal.setColor(QPalette::Window, QColor(0x20, 0x20, 0x22));
        setPalette(pal);
    }
    void setImage(const QImage& img, const QString& message) {
        m_pixmap = img.isNull() ? QPixmap() : QPixmap::fromImage(img);
        m_message = message;
        m_fit = true;
        update();
    }
    bool hasImage() const { return !m_pixmap.isNull(); }
    bool fitting() const { return m_fit; }
    double zoom() const { return m_fit ? fitZoom() : m_zoom; }
    void fit() {
        m_fit = true;
        update();
        if (changed) changed();
    }
    std::function<void()> changed;            // the zoom changed
    void setZoom(double z, QPointF anchor) {  // anchor: widget position that keeps its image point
        if (m_pixmap.isNull()) return;
        const double old = zoom();
        const QPointF centre = m_fit ? QPointF(m_pixmap.width() / 2.0, m_pixmap.height() / 2.0) : m_centre;
        const QPointF toAnchor = anchor - QPointF(width() / 2.0, height() / 2.0);
        const QPointF imagePoint = centre + toAnchor / old;
        m_zoom = std::clamp(z, kMinZoom, kMaxZoom);
        m_centre = imagePoint - toAnchor / m_zoom;
        m_fit = false;
        clampCentre();
        update();
        if (changed) changed();
    }
    void zoomBy(double factor) { setZoom(zoom() * factor, QPointF(width() / 2.0, height() / 2.0)); }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        if (m_pixmap.isNull()) {
            p.setPen(QColor(0xdd, 0xdd, 0xdd));
            p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, m_message);
            return;
        }
        const double z = zoom();
        const QPointF c = m_fit ? QPointF(m_pixmap.width() / 2.0, m_pixmap.height() / 2.0) : m_centre;
        const QRectF target(width() / 2.0 - c.x() * z, height() / 2.0 - c.y() * z, m_pixmap.width() * z, m_pixmap.height() * z);
        p.setRenderHint(QPainter::SmoothPixmapTransform, z < 2.0);  // past 2× show the pixels as they are
        p.drawPixmap(target, m_pixmap, QRectF(m_pixmap.rect()));
    }
    void wheelEvent(QWheelEvent* e) override {
        const double steps = e->angleDelta().y() / 120.0;
        if (steps != 0) setZoom(zoom() * std::pow(1.2, steps), e->position());
        e->accept();
    }
    void mousePressEvent(QMouseEvent* e) override {
        m_drag = e->position();
        if (m_fit) {
            m_zoom = zoom();
            m_centre = QPointF(m_pixmap.width() / 2.0, m_pixmap.height() / 2.0);
        }
    }
    void mouseMoveEvent(QMouseEvent* e) override {
        if (!(e->buttons() & Qt::LeftButton) || m_pixmap.isNull()) return;
        m_fit = false;
        m_centre -= (e->position() - m_drag) / m_zoom;
        m_drag = e->position();
        clampCentre();
        update();
    }
    void resizeEvent(QResizeEvent*) override {
        if (m_fit && changed) changed();
    }
    void mouseDoubleClickEvent(QMouseEvent* e) override {
        if (m_fit)
            setZoom(1.0, e->position());
        else
            fit();
    }

private:
    double fitZoom() const {
        if (m_pixmap.isNull()) return 1.0;
        return std::min(double(width()) / m_pixmap.width(), double(height()) / m_pixmap.height());
    }
    void clampCentre() {
        m_centre.setX(std::clamp(m_centre.x(), 0.0, double(m_pixmap.width())));
        m_centre.setY(std::clamp(m_centre.y(), 0.0, double(m_pixmap.height())));
    }
    QPixmap m_pixmap;
    QString m_message;
    bool m_fit = true;
    double m_zoom = 1.0;
    QPointF m_centre, m_drag;
};

ImageViewer::ImageViewer(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("imageViewer"));
    setWindowTitle(tr("Image"));
    setAttribute(Qt::WA_DeleteOnClose);
    m_pool.setMaxThreadCount(1);
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(0);
    m_canvas = new ImageCanvas(this);
    m_canvas->setAccessibleName(tr("Image"));
    m_canvas->changed = [this] { updateCaption(); };
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(8, 6, 8, 6);
    auto button = [this](const QString& text, const QString& tip, auto slot) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAccessibleName(tip);
        b->setFocusPolicy(Qt::NoFocus);  // the keys belong to the viewer
        connect(b, &QToolButton::clicked, this, slot);
        return b;
    };
    m_prev = button(QStringLiteral("‹"), tr("Previous image (←)"), &ImageViewer::previous);
    m_next = button(QStringLiteral("›"), tr("Next image (→)"), &ImageViewer::next);
    m_caption = new QLabel(this);
    m_zoomLabel = new QLabel(this);
    m_zoomLabel->setMinimumWidth(m_zoomLabel->fontMetrics().horizontalAdvance(QStringLiteral("0000 %")));
    m_zoomLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    bar->setSpacing(4);
    bar->addWidget(m_prev);
    bar->addWidget(m_next);
    bar->addSpacing(8);
    bar->addWidget(m_caption, 1);
    bar->addWidget(button(QStringLiteral("−"), tr("Zoom out (-)"), &ImageViewer::zoomOut));
    bar->addWidget(m_zoomLabel);
    bar->addWidget(button(QStringLiteral("+"), tr("Zoom in (+)"), &ImageViewer::zoomIn));
    bar->addWidget(button(tr("Fit"), tr("Fit to the window (F)"), &ImageViewer::fitToWindow));
    bar->addWidget(button(QStringLiteral("1:1"), tr("Actual size (1)"), &ImageViewer::actualSize));
    v->addWidget(m_canvas, 1);
    v->addLayout(bar);
    resize(960, 720);
}

ImageViewer::~ImageViewer() {
    m_pool.waitForDone();
}

void ImageViewer::setImages(const QStringList& paths, int index) {
    m_paths = paths;
    m_index = std::clamp(index, 0, std::max(0, int(paths.size()) - 1));
    load();
}

bool ImageViewer::imageLoaded() const {
    return m_canvas->hasImage();
}
double ImageViewer::zoom() const {
    return m_canvas->zoom();
}
bool ImageViewer::fitting() const {
    return m_canvas->fitting();
}

void ImageViewer::next() {
    if (m_index + 1 >= m_paths.size()) return;
    ++m_index;
    load();
}

void ImageViewer::previous() {
    if (m_index <= 0) return;
    --m_index;
    load();
}

void ImageViewer::zoomIn() {
    m_canvas->zoomBy(1.25);
}
void ImageViewer::zoomOut() {
    m_canvas->zoomBy(0.8);
}
void ImageViewer::fitToWindow() {
    m_canvas->fit();
}
void ImageViewer::actualSize() {
    m_canvas->setZoom(1.0, QPointF(m_canvas->width() / 2.0, m_canvas->height() / 2.0));
}

void ImageViewer::load() {
    const quint64 generation = ++m_generation;
    m_prev->setEnabled(m_index > 0);
    m_next->setEnabled(m_index + 1 < m_paths.size());
    if (m_paths.isEmpty()) return;
    const QString path = m_paths[m_index];
    m_info = QFileInfo(path).fileName();
    m_canvas->setImage(QImage(), tr("Loading %1…").arg(m_info));
    updateCaption();
    m_pool.start([this, path, generation] {
        QSize size;
        const QImage img = readScaledImage(path, QSize(kMaxSide, kMaxSide), &size);
        QMetaObject::invokeMethod(
            this,
            [this, img, size, path, generation] {
                if (generation != m_generation) return;  // the user moved on meanwhile
                const QString name = QFileInfo(path).fileName();
                if (img.isNull()) {
                    m_info = name;
                    m_canvas->setImage(QImage(), tr("Cannot show %1").arg(name));
                } else {
                    m_info = tr("%1 · %2×%3 px").arg(name).arg(size.width()).arg(size.height());
                    m_canvas->setImage(img, {});
                }
                updateCaption();
                Q_EMIT imageShown(m_index);
            },
            Qt::QueuedConnection);
    });
}

void ImageViewer::updateCaption() {
    const QString pos = m_paths.size() > 1 ? tr("%1 of %2 · ").arg(m_index + 1).arg(m_paths.size()) : QString();
    m_caption->setText(pos + m_info);
    setWindowTitle(m_info.isEmpty() ? tr("Image") : m_info);
    m_zoomLabel->setText(m_canvas->hasImage() ? QStringLiteral("%1 %").arg(qRound(m_canvas->zoom() * 100)) : QString());
}

void ImageViewer::keyPressEvent(QKeyEvent* e) {
    switch (e->key()) {
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            zoomIn();
            return;
        case Qt::Key_Minus:
            zoomOut();
            return;
        case Qt::Key_0:
        case Qt::Key_F:
            fitToWindow();
            return;
        case Qt::Key_1:
            actualSize();
            return;
        case Qt::Key_Right:
        case Qt::Key_Down:
        case Qt::Key_PageDown:
        case Qt::Key_Space:
            next();
            return;
        case Qt::Key_Left:
        case Qt::Key_Up:
        case Qt::Key_PageUp:
        case Qt::Key_Backspace:
            previous();
            return;
        default:
            break;
    }
    QDialog::keyPressEvent(e);  // Esc closes
}

}  // namespace sightline::ui
