// The highlight shown over the window while images are dragged over it: a translucent panel with a
// dashed border and "Drop images to attach". It never takes mouse or drag events itself (the
// window underneath receives the drop). GUI thread only.
#pragma once

#include <QWidget>

namespace sightline::ui {

class DropOverlay : public QWidget {
    Q_OBJECT
public:
    explicit DropOverlay(QWidget* parent);  // covers the parent and follows its size
    void setActive(bool active);            // shows / hides, raised above the parent's children

protected:
    void paintEvent(QPaintEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;
};

}  // namespace sightline::ui
