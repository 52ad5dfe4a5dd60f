#include "boxes_view.h"

#include <QCheckBox>
#include <QCryptographicHash>
#include <QDir>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QImageReader>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QStandardPaths>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

#include "sightline/boxes.h"

namespace sightline::ui {

namespace {

constexpr int kViewMax = 360;  // the longer side of an image under an answer, in px

QRect pixelRect(const UiBox& b, int w, int h) {
    GroundingBox g;
    g.box = {b.x1, b.y1, b.x2, b.y2};
    const auto p = boxToPixels(g, w, h);
    return QRect(QPoint(p[0], p[1]), QPoint(p[2] - 1, p[3] - 1));
}

bool onImage(const UiBox& b, int imageIndex, bool ambiguousHere) {
    return b.image == imageIndex || (b.image < 0 && ambiguousHere);
}

}  // namespace

QList<UiBox> groundingBoxes(const QString& answer, int imageCount, QStringList* notes, QString* textWithMarkers) {
    const std::string text = answer.toStdString();
    const GroundingResult r = parseGroundingBoxes(text, imageCount);
    QList<UiBox> out;
    int n = 0;
    for (const auto& b : r.boxes) {
        UiBox u;
        u.x1 = b.box[0];
        u.y1 = b.box[1];
        u.x2 = b.box[2];
        u.y2 = b.box[3];
        u.label = QString::fromStdString(b.label);
        u.image = b.image;
        u.number = ++n;
        out.append(u);
    }
    if (notes) {
        notes->clear();
        for (const auto& s : r.notes) notes->append(QString::fromStdString(s));
    }
    if (textWithMarkers) {
        // Each markup (one per group, possibly several boxes) becomes "▣N" or "▣N–M" (byte ranges → text).
        std::string marked;
        size_t at = 0;
        for (size_t i = 0; i < r.boxes.size();) {
            size_t j = i;
            while (j + 1 < r.boxes.size() && r.boxes[j + 1].begin == r.boxes[i].begin) ++j;
            if (r.boxes[i].begin < at) {
                i = j + 1;
                continue;
            }
            marked += text.substr(at, r.boxes[i].begin - at);
            marked += "▣" + std::to_string(i + 1) + (j > i ? "–" + std::to_string(j + 1) : "");
            at = r.boxes[i].end;
            i = j + 1;
        }
        marked += text.substr(std::min(at, text.size()));
        *textWithMarkers = QString::fromStdString(marked);
    }
    return out;
}

QColor boxColor(int number) {
    static const QColor palette[] = {QColor(230, 25, 75),  QColor(60, 180, 75),  QColor(0, 130, 200),  QColor(245, 130, 48),
                                     QColor(145, 30, 180), QColor(70, 200, 200), QColor(240, 50, 230), QColor(128, 128, 0),
                                     QColor(0, 128, 128),  QColor(170, 110, 40)};
    return palette[(std::max(number, 1) - 1) % 10];
}

QImage drawGroundingBoxes(const QImage& image, const QList<UiBox>& boxes, int imageIndex, bool ambiguousHere, int highlight) {
    QImage out = image.convertToFormat(QImage::Format_RGB32);
    if (out.isNull()) return out;
    QPainter p(&out);
    const int base = std::clamp(std::min(out.width(), out.height()) / 160, 2, 6);
    QFont f = p.font();
    f.setPixelSize(std::clamp(std::min(out.width(), out.height()) / 24, 10, 28));
    f.setBold(true);
    p.setFont(f);
    const QFontMetrics fm(f);
    for (const auto& b : boxes) {
        if (!onImage(b, imageIndex, ambiguousHere)) continue;
        const QRect r = pixelRect(b, out.width(), out.height());
        const QColor c = boxColor(b.number);
        const int w = b.number == highlight ? base * 2 : base;
        // The outline inside the box's rectangle, so its outer edge is the box's edge.
        p.setPen(Qt::NoPen);
        p.setBrush(c);
        p.drawRect(QRect(r.left(), r.top(), r.width(), std::min(w, r.height())));
        p.drawRect(QRect(r.left(), r.bottom() - std::min(w, r.height()) + 1, r.width(), std::min(w, r.height())));
        p.drawRect(QRect(r.left(), r.top(), std::min(w, r.width()), r.height()));
        p.drawRect(QRect(r.right() - std::min(w, r.width()) + 1, r.top(), std::min(w, r.width()), r.height()));
        // The tag: above the box when there is room, else inside its top.
        const QString tag = b.label.isEmpty() ? QString::number(b.number) : QStringLiteral("%1 %2").arg(b.number).arg(b.label);
        const QRect tr(0, 0, fm.horizontalAdvance(tag) + 8, fm.height() + 2);
        QRect placed = tr.translated(r.left(), r.top() - tr.height());
        if (placed.top() < 0) placed.moveTop(r.top());
        if (placed.right() >= out.width()) placed.moveRight(out.width() - 1);
        if (placed.left() < 0) placed.moveLeft(0);
        p.fillRect(placed, c);
        p.setPen(c.lightness() > 150 ? Qt::black : Qt::white);
        p.drawText(placed.adjusted(4, 1, -4, -1), Qt::AlignLeft | Qt::AlignVCenter, tag);
    }
    return out;
}

QByteArray groundingBoxesJson(const QList<UiBox>& boxes, const QList<ImageRef>& images, const QList<QSize>& sizes) {
    QJsonArray arr;
    for (const auto& b : boxes) {
        QJsonObject o{{"number", b.number}, {"label", b.label}, {"image", b.image}, {"bbox_2d", QJsonArray{b.x1, b.y1, b.x2, b.y2}}};
        const int img = b.image >= 0 ? b.image : static_cast<int>(images.size()) - 1;
        if (img >= 0 && img < sizes.size() && sizes[img].isValid()) {
            const QRect r = pixelRect(b, sizes[img].width(), sizes[img].height());
            o.insert(QStringLiteral("bbox_pixels"), QJsonArray{r.left(), r.top(), r.right() + 1, r.bottom() + 1});
            o.insert(QStringLiteral("image_file"), images[img].source.isEmpty() ? images[img].path : images[img].source);
        }
        arr.append(o);
    }
    return QJsonDocument(arr).toJson(QJsonDocument::Indented);
}

BoxesPanel::BoxesPanel(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("boxesPanel"));
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(0, 4, 0, 0);
    m_viewRow = new QHBoxLayout;
    m_viewRow->addStretch();
    v->addLayout(m_viewRow);
    m_legendRow = new QHBoxLayout;
    m_legendRow->addStretch();
    v->addLayout(m_legendRow);
    m_notesLabel = new QLabel(this);
    m_notesLabel->setObjectName(QStringLiteral("boxesNotes"));
    m_notesLabel->setWordWrap(true);
    m_notesLabel->setVisible(false);
    v->addWidget(m_notesLabel);
    auto* buttons = new QHBoxLayout;
    m_toggle = new QCheckBox(tr("Boxes"), this);
    m_toggle->setObjectName(QStringLiteral("boxesToggle"));
    m_toggle->setChecked(true);
    m_toggle->setToolTip(tr("Show the boxes the answer gives on its images"));
    auto* saveImage = new QPushButton(tr("Save image…"), this);
    saveImage->setObjectName(QStringLiteral("boxesSaveImage"));
    saveImage->setToolTip(tr("Save the image with its boxes as PNG"));
    auto* saveJson = new QPushButton(tr("Save boxes…"), this);
    saveJson->setObjectName(QStringLiteral("boxesSaveJson"));
    saveJson->setToolTip(tr("Save the boxes as JSON (the model's 0–1000 grid and the image's pixels)"));
    buttons->addWidget(m_toggle);
    buttons->addWidget(saveImage);
    buttons->addWidget(saveJson);
    buttons->addStretch();
    v->addLayout(buttons);
    connect(m_toggle, &QCheckBox::toggled, this, [this] { redraw(); });
    connect(saveImage, &QPushButton::clicked, this, [this] {
        if (m_imageOfView.isEmpty()) return;
        const QString path = QFileDialog::getSaveFileName(this, tr("Save image with boxes"), QString(), tr("PNG (*.png)"));
        QString error;
        if (!path.isEmpty() && !saveImageWithBoxes(m_imageOfView.first(), path, &error)) m_notesLabel->setText(error), m_notesLabel->show();
    });
    connect(saveJson, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save boxes"), QString(), tr("JSON (*.json)"));
        QString error;
        if (!path.isEmpty() && !saveBoxesJson(path, &error)) m_notesLabel->setText(error), m_notesLabel->show();
    });
}

void BoxesPanel::setBoxes(const QList<UiBox>& boxes, const QStringList& notes, const QList<ImageRef>& images) {
    auto same = [](const QList<UiBox>& a, const QList<UiBox>& b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); ++i)
            if (a[i].x1 != b[i].x1 || a[i].y1 != b[i].y1 || a[i].x2 != b[i].x2 || a[i].y2 != b[i].y2 || a[i].label != b[i].label ||
                a[i].image != b[i].image)
                return false;
        return true;
    };
    QStringList paths, oldPaths;
    for (const auto& i : images) paths << i.path;
    for (const auto& i : m_images) oldPaths << i.path;
    if (same(boxes, m_boxes) && notes == m_notes && paths == oldPaths && !m_views.isEmpty() == !boxes.isEmpty()) return;
    m_boxes = boxes;
    m_notes = notes;
    m_images = images;
    rebuild();
}

bool BoxesPanel::boxesShown() const {
    return m_toggle->isChecked();
}

void BoxesPanel::setBoxesShown(bool on) {
    m_toggle->setChecked(on);
}

void BoxesPanel::highlight(int number) {
    if (number == m_highlight) return;
    m_highlight = number;
    redraw();
    for (auto* l : m_legend) {
        const bool on = l->property("boxNumber").toInt() == number;
        QFont f = l->font();
        f.setUnderline(on);
        l->setFont(f);
    }
}

QImage BoxesPanel::fullImage(int index) const {
    if (index < 0 || index >= m_images.size()) return {};
    const QString& path = m_images[index].path;
    auto it = m_cache.find(path);
    if (it != m_cache.end()) return *it;
    QImageReader reader(path);
    reader.setAutoTransform(true);
    QImage img = reader.read();
    if (img.isNull()) img = m_images[index].thumbnail;  // the file is gone: the cached preview still shows where
    m_cache.insert(path, img);
    return img;
}

void BoxesPanel::rebuild() {
    for (auto* w : m_views) w->deleteLater();
    for (auto* w : m_legend) w->deleteLater();
    m_views.clear();
    m_legend.clear();
    m_imageOfView.clear();
    const int last = static_cast<int>(m_images.size()) - 1;
    for (int i = 0; i <= last; ++i) {
        bool any = false;
        for (const auto& b : m_boxes) any |= onImage(b, i, i == last);
        if (!any) continue;
        auto* view = new QLabel(this);
        view->setObjectName(QStringLiteral("boxesImage"));
        view->setCursor(Qt::PointingHandCursor);
        view->setMouseTracking(true);
        view->installEventFilter(this);
        view->setToolTip(tr("Click to view large"));
        m_viewRow->insertWidget(m_viewRow->count() - 1, view);
        m_views.append(view);
        m_imageOfView.append(i);
    }
    for (const auto& b : m_boxes) {
        auto* l = new QLabel(this);
        l->setObjectName(QStringLiteral("boxLegend"));
        l->setProperty("boxNumber", b.number);
        const QColor c = boxColor(b.number);
        l->setText(QStringLiteral("<span style=\"color:%1\">■</span> %2 %3").arg(c.name()).arg(b.number).arg(b.label.toHtmlEscaped()));
        l->setToolTip(QStringLiteral("[%1, %2, %3, %4]").arg(b.x1).arg(b.y1).arg(b.x2).arg(b.y2));
        l->setAttribute(Qt::WA_Hover);
        l->installEventFilter(this);
        m_legendRow->insertWidget(m_legendRow->count() - 1, l);
        m_legend.append(l);
    }
    m_notesLabel->setText(m_notes.join(QStringLiteral("\n")));
    m_notesLabel->setVisible(!m_notes.isEmpty());
    setVisible(!m_boxes.isEmpty() || !m_notes.isEmpty());
    redraw();
}

void BoxesPanel::redraw() {
    const int last = static_cast<int>(m_images.size()) - 1;
    for (int v = 0; v < m_views.size(); ++v) {
        const int i = m_imageOfView[v];
        QImage img = fullImage(i);
        if (img.isNull()) continue;
        img = img.scaled(QSize(kViewMax, kViewMax), Qt::KeepAspectRatio, Qt::SmoothTransformation);
        if (m_toggle->isChecked()) img = drawGroundingBoxes(img, m_boxes, i, i == last, m_highlight);
        m_views[v]->setPixmap(QPixmap::fromImage(img));
        m_views[v]->setFixedSize(img.size());
    }
}

int BoxesPanel::boxAt(int imageIndex, const QPoint& pos) const {
    const int v = static_cast<int>(m_imageOfView.indexOf(imageIndex));
    if (v < 0) return 0;
    const QSize s = m_views[v]->size();
    const int last = static_cast<int>(m_images.size()) - 1;
    int best = 0;
    double bestArea = 1e18;
    for (const auto& b : m_boxes) {  // the smallest box under the cursor (nested boxes stay reachable)
        if (!onImage(b, imageIndex, imageIndex == last)) continue;
        const QRect r = pixelRect(b, s.width(), s.height());
        const double area = double(r.width()) * r.height();
        if (r.contains(pos) && area < bestArea) {
            best = b.number;
            bestArea = area;
        }
    }
    return best;
}

bool BoxesPanel::eventFilter(QObject* watched, QEvent* event) {
    auto* label = qobject_cast<QLabel*>(watched);
    const int view = static_cast<int>(m_views.indexOf(label));
    if (view >= 0) {
        if (event->type() == QEvent::MouseMove) {
            const auto* me = static_cast<QMouseEvent*>(event);
            const int n = boxAt(m_imageOfView[view], me->position().toPoint());
            if (n != m_highlight) {
                highlight(n);
                Q_EMIT boxHovered(n);
            }
            if (n > 0)
                QToolTip::showText(me->globalPosition().toPoint(),
                                   m_boxes[n - 1].label.isEmpty() ? QString::number(n) : m_boxes[n - 1].label, label);
        } else if (event->type() == QEvent::Leave) {
            highlight(0);
            Q_EMIT boxHovered(0);
        } else if (event->type() == QEvent::MouseButtonRelease) {
            // The viewer shows files: the image with its boxes is written once per content to the cache folder.
            const int i = m_imageOfView[view];
            const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/boxes");
            QDir().mkpath(dir);
            QByteArray key = m_images[i].path.toUtf8() + groundingBoxesJson(m_boxes, m_images, {});
            const QString path = dir + QLatin1Char('/') +
                                 QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha1).toHex()) +
                                 QStringLiteral(".png");
            if (QFile::exists(path) || saveImageWithBoxes(i, path)) Q_EMIT openAnnotated(path);
        }
        return false;
    }
    if (m_legend.contains(label)) {
        if (event->type() == QEvent::HoverEnter) {
            highlight(label->property("boxNumber").toInt());
            Q_EMIT boxHovered(m_highlight);
        } else if (event->type() == QEvent::HoverLeave) {
            highlight(0);
            Q_EMIT boxHovered(0);
        }
    }
    return false;
}

bool BoxesPanel::saveImageWithBoxes(int imageIndex, const QString& path, QString* error) const {
    const QImage img = fullImage(imageIndex);
    if (img.isNull()) {
        if (error) *error = tr("The image cannot be read");
        return false;
    }
    const int last = static_cast<int>(m_images.size()) - 1;
    const QImage out = drawGroundingBoxes(img, m_boxes, imageIndex, imageIndex == last);
    if (!out.save(path, "PNG")) {
        if (error) *error = tr("Cannot write %1").arg(path);
        return false;
    }
    return true;
}

bool BoxesPanel::saveBoxesJson(const QString& path, QString* error) const {
    QList<QSize> sizes;
    for (int i = 0; i < m_images.size(); ++i) sizes.append(fullImage(i).size());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(groundingBoxesJson(m_boxes, m_images, sizes)) < 0) {
        if (error) *error = tr("Cannot write %1").arg(path);
        return false;
    }
    return true;
}

}  // namespace sightline::ui
