// Getting images into the composer the ways people do: drag and drop (files, raw image data, a
// web URL; onto the composer or anywhere in the window, routed like Qt routes a real drop), paste
// (an image or copied files on the clipboard, Ctrl+V in the question), the file dialog; and taking
// one out again. Unreadable files are in the mix: each must end in a notice, never a crash.
#include <QAbstractButton>
#include <QApplication>
#include <QClipboard>
#include <QDragEnterEvent>
#include <QDragMoveEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QMimeData>
#include <QPainter>
#include <QPlainTextEdit>
#include <QTest>
#include <QUrl>

#include "attach_inspect.h"
#include "composer.h"
#include "main_window.h"
#include "monkey.h"
#include "monkey_app.h"
#include "monkey_dialogs.h"

namespace sightline::monkey {
namespace {

ui::MainWindow* win(Monkey& m) {
    return m.app().window();
}

QString someFile(Monkey& m, Rng& rng) {
    return rng.chance(0.8) ? m.poolImage(rng) : m.badFile(rng);
}

QImage someImage(Rng& rng) {
    QImage img(rng.between(8, 160), rng.between(8, 160), QImage::Format_ARGB32);
    img.fill(QColor::fromHsv(rng.below(360), rng.below(256), rng.below(256), rng.chance(0.2) ? rng.below(256) : 255));
    QPainter p(&img);
    p.drawLine(0, 0, img.width(), img.height());
    return img;
}

// What a drag carries: 1–3 files, raw image data, or a web URL.
QMimeData* dragData(Monkey& m, Rng& rng, QString* what) {
    auto* mime = new QMimeData;
    const int kind = rng.below(10);
    if (kind < 7) {
        QList<QUrl> urls;
        QStringList names;
        for (int i = rng.between(1, 3); i > 0; --i) {
            const QString f = someFile(m, rng);
            urls << QUrl::fromLocalFile(f);
            names << QFileInfo(f).fileName();
        }
        mime->setUrls(urls);
        *what = names.join(QLatin1Char(','));
    } else if (kind < 9) {
        mime->setImageData(someImage(rng));
        *what = QStringLiteral("image data");
    } else {
        mime->setUrls({QUrl(QStringLiteral("https://example.com/cat.png"))});
        *what = QStringLiteral("a web URL");
    }
    return mime;
}

// Delivers a drop at a point of the window the way QWidgetWindow does: to the widget under the
// point, or the nearest parent that accepts drops; enter, move, then drop or leave.
QString dropAt(QWidget* root, const QPoint& pos, QMimeData* mime) {
    QWidget* target = root->childAt(pos);
    if (!target) target = root;
    while (target && !target->acceptDrops()) target = target->parentWidget();
    if (!target) return QStringLiteral("nothing takes drops there");
    const QPoint local = target->mapFrom(root, pos);
    QDragEnterEvent enter(local, Qt::CopyAction | Qt::MoveAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    if (!enter.isAccepted()) {
        QDragLeaveEvent leave;
        QApplication::sendEvent(target, &leave);
        return QStringLiteral("%1 refused it").arg(QString::fromLatin1(target->metaObject()->className()));
    }
    QDragMoveEvent move(local, enter.dropAction(), mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &move);
    QDropEvent drop(QPointF(local), enter.dropAction(), mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return QStringLiteral("on %1%2").arg(QString::fromLatin1(target->metaObject()->className()),
                                         drop.isAccepted() ? QString() : QStringLiteral(" (not taken)"));
}

QString dropImages(Monkey& m, Rng& rng) {
    QString what;
    std::unique_ptr<QMimeData> mime(dragData(m, rng, &what));
    QWidget* root = win(m);
    QPoint pos;
    if (rng.chance(0.6)) {
        ui::Composer* c = win(m)->composer();
        pos = c->mapTo(root, QPoint(rng.below(std::max(1, c->width())), rng.below(std::max(1, c->height()))));
    } else {
        pos = QPoint(rng.below(std::max(1, root->width())), rng.below(std::max(1, root->height())));
    }
    const int before = int(win(m)->composer()->images().size());
    const QString where = dropAt(root, pos, mime.get());
    QTest::qWait(rng.below(200));  // attaching may be asynchronous
    return QStringLiteral("%1 at (%2,%3) %4; images %5 → %6")
        .arg(what)
        .arg(pos.x())
        .arg(pos.y())
        .arg(where)
        .arg(before)
        .arg(win(m)->composer()->images().size());
}

QString paste(Monkey& m, Rng& rng) {
    QString what;
    QClipboard* cb = QApplication::clipboard();
    const int kind = rng.below(10);
    if (kind < 6) {
        cb->setImage(someImage(rng));
        what = QStringLiteral("an image");
    } else if (kind < 9) {
        auto* mime = new QMimeData;
        const QString f = someFile(m, rng);
        mime->setUrls({QUrl::fromLocalFile(f)});
        cb->setMimeData(mime);
        what = QFileInfo(f).fileName();
    } else {
        cb->setText(QStringLiteral("pasted words "));
        what = QStringLiteral("text");
    }
    QPlainTextEdit* edit = win(m)->composer()->findChild<QPlainTextEdit*>();
    const int before = int(win(m)->composer()->images().size());
    edit->setFocus();
    QTest::keyClick(edit, Qt::Key_V, Qt::ControlModifier);
    QTest::qWait(rng.below(200));
    return QStringLiteral("%1; images %2 → %3").arg(what).arg(before).arg(win(m)->composer()->images().size());
}

QString attachByDialog(Monkey& m, Rng& rng) {
    const bool cancel = rng.chance(0.15);
    const QString f = someFile(m, rng);
    m.dialogs().plan(cancel ? DialogAnswerer::cancel() : DialogAnswerer::chooseFile(f));
    const int before = int(win(m)->composer()->images().size());
    m.click(m.findButton(QStringLiteral("Attach image"), win(m)->composer()));
    QTest::qWait(rng.below(200));
    return QStringLiteral("%1; images %2 → %3")
        .arg(cancel ? QStringLiteral("cancelled") : QFileInfo(f).fileName())
        .arg(before)
        .arg(win(m)->composer()->images().size());
}

QList<QAbstractButton*> removeButtons(Monkey& m) {
    QList<QAbstractButton*> out;
    for (auto* b : win(m)->composer()->findChildren<QAbstractButton*>())
        if (b->isVisible() && b->isEnabled() && b->accessibleName().startsWith(ui::Composer::tr("Remove %1").arg(QString()))) out << b;
    return out;
}

// A question about a video: the person takes out what is attached (a question takes images or one
// video) and drops a video onto the composer: the clip, or one cut off or of noise (a notice).
QList<QString> videoFiles(Monkey& m, bool good) {
    QList<QString> out;
    const QStringList& from = good ? m.pool() : m.bad();
    for (const QString& f : from)
        if (ui::isVideoFileName(f)) out << f;
    return out;
}

QString attachVideo(Monkey& m, Rng& rng) {
    QList<QString> files = videoFiles(m, rng.chance(0.75));
    if (files.isEmpty()) files = videoFiles(m, true);
    const QString f = rng.pick(files);
    int removed = 0;
    for (QList<QAbstractButton*> bs = removeButtons(m); !bs.isEmpty() && removed < 12; bs = removeButtons(m), ++removed)
        m.click(bs.first());
    auto mime = std::make_unique<QMimeData>();
    mime->setUrls({QUrl::fromLocalFile(f)});
    ui::Composer* c = win(m)->composer();
    const QString where = dropAt(win(m), c->mapTo(win(m), QPoint(c->width() / 2, c->height() / 2)), mime.get());
    const bool settled = QTest::qWaitFor([c] { return c->pendingCount() == 0; }, 5000);
    if (!settled) m.violation(QStringLiteral("a dropped video was still being read after 5 s"));
    return QStringLiteral("%1 (%2 removed first) %3; images %4")
        .arg(QFileInfo(f).fileName())
        .arg(removed)
        .arg(where)
        .arg(c->images().size());
}

// The person edits or deletes the original of an image already attached somewhere.
QString mutateSource(Monkey& m, Rng& rng) {
    const QString f = m.poolImage(rng);
    if (!f.startsWith(m.poolDir())) return QStringLiteral("%1 is not the monkey's to change").arg(QFileInfo(f).fileName());
    if (rng.chance(0.5)) {
        QFile::remove(f);
        someImage(rng).save(f);
        return QStringLiteral("%1 overwritten").arg(QFileInfo(f).fileName());
    }
    QFile::remove(f);
    return QStringLiteral("%1 deleted").arg(QFileInfo(f).fileName());
}

}  // namespace

void registerAttachActions(ActionRegistry& r) {
    r.add({QStringLiteral("dropImages"), 6, [](Monkey&) { return true; }, dropImages});
    r.add({QStringLiteral("paste"), 4, [](Monkey&) { return true; }, paste});
    r.add({QStringLiteral("attachByDialog"), 3,
           [](Monkey& m) { return m.findButton(QStringLiteral("Attach image"), win(m)->composer()) != nullptr; }, attachByDialog});
    r.add({QStringLiteral("removeImage"), 2, [](Monkey& m) { return !removeButtons(m).isEmpty(); },
           [](Monkey& m, Rng& rng) {
               QAbstractButton* b = rng.pick(removeButtons(m));
               const QString name = b->accessibleName();
               m.click(b);
               return name;
           }});
    r.add({QStringLiteral("attachVideo"), 2, [](Monkey& m) { return !videoFiles(m, true).isEmpty(); }, attachVideo});
    r.add({QStringLiteral("mutateSource"), 2, [](Monkey&) { return true; }, mutateSource,
           [](const MonkeyOptions& o) { return o.mutateSources; }});
}

}  // namespace sightline::monkey
