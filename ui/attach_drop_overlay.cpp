#include "attach_drop_overlay.h"

#include <QEvent>
#include <QPainter>
#include <QPainterPath>

#include "theme.h"

namespace sightline::ui {

DropOverlay::DropOverlay(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("dropOverlay"));
    setAttribute(Qt::WA_TransparentForMouseEvents);  // childAt() skips it: drags reach the widgets below
    setAttribute(Qt::WA_NoSystemBackground);
    setVisible(false);
    parent->installEventFilter(this);
}

void DropOverlay::setActive(bool active) {
    if (active) {
        setGeometry(parentWidget()->rect());
        raise();
    }
    setVisible(active);
}

bool DropOverlay::eventFilter(QObject* watched, QEvent* event) {
    if (watched == parentWidget() && event->type() == QEvent::Resize) setGeometry(parentWidget()->rect());
    return false;
}

void DropOverlay::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor hl = palette().color(QPalette::Highlight);
    QColor fill = mixColors(palette().color(QPalette::Base), hl, 0.18);
    fill.setAlpha(225);
    const QRectF r = QRectF(rect()).adjusted(10, 10, -10, -10);
    p.setBrush(fill);
    QPen pen(hl, 2.5, Qt::DashLine);
    p.setPen(pen);
    p.drawRoundedRect(r, 14, 14);
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 1.5);
    f.setBold(true);
    p.setFont(f);
    p.setPen(palette().color(QPalette::Text));
    p.drawText(r, Qt::AlignCenter, tr("Drop images to attach them to your question"));
}

}  // namespace sightline::ui
