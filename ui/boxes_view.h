// Grounding boxes drawn on the images an answer is about: the parse is the one every front end
// shares (sightline/boxes.h, torch-free); here they become coloured rectangles with their labels, a
// legend whose entries and boxes highlight each other on hover, a Boxes toggle, and exports (the image
// with its boxes as PNG, the boxes as JSON).
#pragma once

#include <QColor>
#include <QImage>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QWidget>

#include "chat_types.h"

class QCheckBox;
class QLabel;
class QHBoxLayout;
class QVBoxLayout;

namespace sightline::ui {

struct UiBox {
    double x1 = 0, y1 = 0, x2 = 0, y2 = 0;  // the model's 0–1000 grid
    QString label;
    int image = 0;   // 0-based among the context images; -1: ambiguous (drawn on the last one)
    int number = 1;  // 1-based, as the answer's text marks it
};

// The boxes of an answer (markup and bbox_2d JSON), with notes on what was clamped, dropped or
// ambiguous. `textWithMarkers`: the answer with each box markup replaced by "▣N" (N its first box).
QList<UiBox> groundingBoxes(const QString& answer, int imageCount, QStringList* notes = nullptr, QString* textWithMarkers = nullptr);
// The colour of box n (1-based), distinct for the first ten and readable on light and dark images.
QColor boxColor(int number);
// `image` with `boxes` drawn on it (the boxes whose image is `imageIndex`, or -1 boxes when
// `ambiguousHere`): a 2–6 px outline scaled to the image, a filled label tag with the number and
// label; `highlight` (a box number) is drawn thicker.
QImage drawGroundingBoxes(const QImage& image, const QList<UiBox>& boxes, int imageIndex, bool ambiguousHere, int highlight = -1);
// [{"number","label","image","bbox_2d":[…],"bbox_pixels":[…]}] for the images' sizes (path → size).
QByteArray groundingBoxesJson(const QList<UiBox>& boxes, const QList<ImageRef>& images, const QList<QSize>& sizes);

// Shown under an answer that has boxes: each image with its boxes (click: the viewer), a legend,
// Boxes on/off, Save image…, Save boxes…; notes when something was clamped or ambiguous.
class BoxesPanel : public QWidget {
    Q_OBJECT
public:
    explicit BoxesPanel(QWidget* parent = nullptr);
    // Re-renders only when the boxes or the images changed (it is called on every streamed chunk).
    void setBoxes(const QList<UiBox>& boxes, const QStringList& notes, const QList<ImageRef>& images);
    const QList<UiBox>& boxes() const { return m_boxes; }
    bool boxesShown() const;
    void setBoxesShown(bool on);
    void highlight(int number);  // 0: none
    int highlighted() const { return m_highlight; }
    // The exports behind the buttons (file dialogs there; tests call these). False with a message.
    bool saveImageWithBoxes(int imageIndex, const QString& path, QString* error = nullptr) const;
    bool saveBoxesJson(const QString& path, QString* error = nullptr) const;
    // The image views, in image order (those that have boxes).
    QList<QLabel*> views() const { return m_views; }

Q_SIGNALS:
    void openAnnotated(const QString& annotatedPngPath);  // a click on an image: the viewer shows it with its boxes
    void boxHovered(int number);                          // 0: none

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuild();
    void redraw();
    QImage fullImage(int index) const;  // the context image at full size (read once, cached)
    int boxAt(int imageIndex, const QPoint& posInView) const;

    QList<UiBox> m_boxes;
    QStringList m_notes;
    QList<ImageRef> m_images;
    mutable QMap<QString, QImage> m_cache;  // path → full image
    QList<int> m_imageOfView;               // view i shows context image m_imageOfView[i]
    QList<QLabel*> m_views;
    QList<QLabel*> m_legend;
    QHBoxLayout* m_viewRow = nullptr;
    QHBoxLayout* m_legendRow = nullptr;
    QLabel* m_notesLabel = nullptr;
    QCheckBox* m_toggle = nullptr;
    int m_highlight = 0;
};

}  // namespace sightline::ui
