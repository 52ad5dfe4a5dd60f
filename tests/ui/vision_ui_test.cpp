// What the window shows of the model's vision (issue #16): grounding boxes drawn under an answer
// (pixel checks of the drawing and of the exports, hover between markers and boxes, the toggle, the
// viewer), a dropped PDF attached as its pages in order, and a dropped video shown as its poster.
#include <QApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMimeData>
#include <QPainter>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QUrl>

#include "boxes_view.h"
#include "chat_view.h"
#include "message_widget.h"
#include "shots.h"
#include "sightline/video.h"
#include "ui_harness.h"

using namespace sightline;
using sightline::test::shot;
using ui_harness::FakeBackend;
using ui_harness::Harness;

class VisionUiTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void groundingBoxesDrawn();
    void groundingBoxesUnderAnAnswer();
    void pdfDroppedAttachesItsPagesInOrder();
    void videoDroppedShowsItsPoster();
};

// Pixel checks of the drawing: the outline's outer edge is the box's edge (0–1000 grid scaled to
// the image), the inside and the outside stay untouched, a highlighted box is thicker, a box of
// another image is not drawn.
void VisionUiTest::groundingBoxesDrawn() {
    QImage white(400, 300, QImage::Format_RGB32);
    white.fill(Qt::white);
    ui::UiBox b;
    b.x1 = 100, b.y1 = 100, b.x2 = 500, b.y2 = 500, b.number = 1;  // pixels x 40..199, y 30..149
    const QImage out = ui::drawGroundingBoxes(white, {b}, 0, false);
    const QColor c = ui::boxColor(1);
    QCOMPARE(out.pixelColor(40, 90), c);                    // left edge
    QCOMPARE(out.pixelColor(199, 90), c);                   // right edge
    QCOMPARE(out.pixelColor(120, 149), c);                  // bottom edge
    QCOMPARE(out.pixelColor(120, 100), QColor(Qt::white));  // inside
    QCOMPARE(out.pixelColor(39, 90), QColor(Qt::white));    // just outside
    QCOMPARE(out.pixelColor(200, 90), QColor(Qt::white));
    QCOMPARE(out.pixelColor(120, 150), QColor(Qt::white));
    QCOMPARE(out.pixelColor(43, 90), QColor(Qt::white));                              // the outline is 2 px here…
    QCOMPARE(ui::drawGroundingBoxes(white, {b}, 0, false, 1).pixelColor(43, 90), c);  // …and 4 px when highlighted
    QCOMPARE(ui::drawGroundingBoxes(white, {b}, 1, false), white);                    // another image's box
    ui::UiBox ambiguous = b;
    ambiguous.image = -1;
    QCOMPARE(ui::drawGroundingBoxes(white, {ambiguous}, 0, true).pixelColor(40, 90), c);  // drawn on the last image
    QVERIFY(ui::boxColor(1) != ui::boxColor(2));
}

// An answer with boxes: drawn on the image of the question under the text, numbered markers in
// the text, a legend that highlights on hover, Boxes on/off, the exports.
void VisionUiTest::groundingBoxesUnderAnAnswer() {
    QTemporaryDir dir;
    QImage photo(640, 480, QImage::Format_RGB32);
    photo.fill(QColor(250, 250, 250));
    const QString path = dir.filePath(QStringLiteral("photo.png"));
    QVERIFY(photo.save(path));
    ui::ImageRef ref;
    ref.path = path;
    ref.thumbnail = photo.scaled(96, 96, Qt::KeepAspectRatio);
    ui::ChatMessageUi answer;
    answer.id = 2;
    answer.role = QStringLiteral("assistant");
    answer.text = QStringLiteral(
        "The cup is at <|begin_of_box|>[100,250,300,500]<|end_of_box|> and the **spoon** is at "
        "<|begin_of_box|>[600,600,900,950]<|end_of_box|>.");
    ui::MessageWidget w(answer);
    w.resize(700, 600);
    w.setContextImages({ref});
    w.show();
    ui::BoxesPanel* panel = w.boxesPanel();
    QVERIFY(panel->isVisibleTo(&w));
    QCOMPARE(panel->boxes().size(), 2);
    QCOMPARE(panel->boxes()[0].label, QStringLiteral("cup"));
    QCOMPARE(panel->boxes()[1].label, QStringLiteral("spoon"));
    QCOMPARE(panel->views().size(), 1);
    const QString shown = w.findChild<QTextBrowser*>(QStringLiteral("answer"))->toPlainText();
    QVERIFY2(
        shown.contains(QStringLiteral("▣1")) && shown.contains(QStringLiteral("▣2")) && !shown.contains(QStringLiteral("begin_of_box")),
        qPrintable(shown));
    // The view (640×480 scaled to 360×270): box 1's left edge at x = 36.
    QImage view = panel->views()[0]->pixmap().toImage();
    QCOMPARE(view.size(), QSize(360, 270));
    QCOMPARE(view.pixelColor(36, 120), ui::boxColor(1));
    shot(&w, "boxes");
    // Hovering a legend entry highlights its box.
    QLabel* legend2 = nullptr;
    for (auto* l : panel->findChildren<QLabel*>(QStringLiteral("boxLegend")))
        if (l->property("boxNumber").toInt() == 2) legend2 = l;
    QVERIFY(legend2);
    QEvent enter(QEvent::HoverEnter);
    QApplication::sendEvent(legend2, &enter);
    QCOMPARE(panel->highlighted(), 2);
    // …and its ▣2 marker in the text turns bold; the marker is a link whose hover highlights the box.
    auto* text = w.findChild<QTextBrowser*>(QStringLiteral("answer"));
    const QRegularExpression bold2(QStringLiteral("font-weight:[6-9]00;[^>]*>▣2<"));
    QVERIFY2(text->toHtml().contains(bold2), qPrintable(text->toHtml()));
    QEvent leave(QEvent::HoverLeave);
    QApplication::sendEvent(legend2, &leave);
    QCOMPARE(panel->highlighted(), 0);
    QVERIFY(!text->toHtml().contains(bold2));
    Q_EMIT text->highlighted(QUrl(QStringLiteral("box:1")));
    QCOMPARE(panel->highlighted(), 1);
    Q_EMIT text->highlighted(QUrl());
    QCOMPARE(panel->highlighted(), 0);
    // Boxes off: the image as it is.
    panel->setBoxesShown(false);
    QCOMPARE(panel->views()[0]->pixmap().toImage().pixelColor(36, 120), QColor(250, 250, 250));
    panel->setBoxesShown(true);
    // Exports: the full-size image with its boxes, and the boxes as JSON with their pixels.
    const QString png = dir.filePath(QStringLiteral("with-boxes.png"));
    QVERIFY(panel->saveImageWithBoxes(0, png));
    const QImage saved(png);
    QCOMPARE(saved.size(), QSize(640, 480));
    QCOMPARE(saved.pixelColor(64, 200), ui::boxColor(1));  // x1 = 100/1000 × 640
    QCOMPARE(saved.pixelColor(100, 200), QColor(250, 250, 250));
    QCOMPARE(saved.pixelColor(575, 400), ui::boxColor(2));  // box 2's right edge: 900/1000 × 640 − 1
    const QString json = dir.filePath(QStringLiteral("boxes.json"));
    QVERIFY(panel->saveBoxesJson(json));
    QFile f(json);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonArray arr = QJsonDocument::fromJson(f.readAll()).array();
    QCOMPARE(arr.size(), 2);
    QCOMPARE(arr[0].toObject()[QStringLiteral("bbox_pixels")].toArray(), (QJsonArray{64, 120, 192, 240}));
    QCOMPARE(arr[1].toObject()[QStringLiteral("label")].toString(), QStringLiteral("spoon"));
    // A click opens the viewer on the image with its boxes.
    QSignalSpy viewer(&w, &ui::MessageWidget::imageRequested);
    QTest::mouseClick(panel->views()[0], Qt::LeftButton, {}, QPoint(10, 10));
    QCOMPARE(viewer.size(), 1);
    const QImage annotated(viewer.first().at(0).toStringList().value(0));
    QCOMPARE(annotated.pixelColor(64, 200), ui::boxColor(1));
    // An answer without boxes has no panel; one still streaming an open box shows none yet.
    answer.text = QStringLiteral("A cup.");
    w.setMessage(answer);
    QVERIFY(!panel->isVisibleTo(&w));
    answer.text = QStringLiteral("The cup is at <|begin_of_box|>[100,25");
    answer.state = ui::MessageState::Streaming;
    w.setMessage(answer);
    QVERIFY(!panel->isVisibleTo(&w));
}

// A PDF dropped on the window: its pages are attached as images, in order (the app rasterises them
// with poppler on the composer's pool thread); a damaged PDF is an error, nothing attached.
void VisionUiTest::pdfDroppedAttachesItsPagesInOrder() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    const QString pdf = h.dir.filePath(QStringLiteral("three pages.pdf"));
    {
        QPdfWriter writer(pdf);
        writer.setPageSize(QPageSize(QPageSize::A6));
        QPainter p(&writer);
        const QList<QColor> colours{QColor(220, 30, 30), QColor(30, 180, 60), QColor(40, 60, 220)};
        for (int i = 0; i < colours.size(); ++i) {
            if (i > 0) writer.newPage();
            p.fillRect(QRect(QPoint(0, 0), QSize(writer.width(), writer.height())), colours[i]);
        }
    }
    QMimeData files;
    files.setUrls({QUrl::fromLocalFile(pdf)});
    QWidget* area = h.window->chatView()->viewport();
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(area, &enter);
    QVERIFY2(enter.isAccepted(), "a PDF is welcome");
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(h.window.get(), &drop);
    QVERIFY(QTest::qWaitFor([&] { return h.window->composer()->pendingCount() == 0; }, 20000));
    const QList<ui::ImageRef> images = h.window->composer()->images();
    QCOMPARE(images.size(), 3);
    const QList<QColor> colours{QColor(220, 30, 30), QColor(30, 180, 60), QColor(40, 60, 220)};
    for (int i = 0; i < 3; ++i) {
        const QImage page(images[i].path);
        QVERIFY2(!page.isNull(), qPrintable(images[i].path));
        const QColor c = page.pixelColor(page.width() / 2, page.height() / 2);
        QVERIFY2(std::abs(c.red() - colours[i].red()) <= 3 && std::abs(c.green() - colours[i].green()) <= 3 &&
                     std::abs(c.blue() - colours[i].blue()) <= 3,
                 qPrintable(QStringLiteral("page %1: %2").arg(i + 1).arg(c.name())));
        QVERIFY(!images[i].thumbnail.isNull());
    }
    shot(h.window.get(), "pdf-attached");
    // A damaged PDF: a clear problem, nothing attached.
    const QString bad = h.dir.filePath(QStringLiteral("bad.pdf"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("%PDF-1.4\nthis is not a document");
    f.close();
    QSignalSpy problems(h.window->composer(), &ui::Composer::problem);
    QVERIFY(h.window->composer()->addImageFile(bad));
    QVERIFY(QTest::qWaitFor([&] { return h.window->composer()->pendingCount() == 0; }, 20000));
    QCOMPARE(h.window->composer()->images().size(), 3);
    QVERIFY(!problems.isEmpty() && problems.last().at(0).toString().contains(QStringLiteral("bad.pdf")));
}

// A video dropped on the window: one attachment whose thumbnail is its first frame with the play
// mark, a pre-flight line with its length; an image beside it is refused (images or one video); a
// damaged video is a clear problem.
void VisionUiTest::videoDroppedShowsItsPoster() {
    if (!videoDecodingSupported()) QSKIP("this build has no FFmpeg");
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    const QString video = QString::fromUtf8(SIGHTLINE_TEST_DATA_DIR "/moving_square_64x48.mp4");
    QMimeData files;
    files.setUrls({QUrl::fromLocalFile(video)});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(h.window->chatView()->viewport(), &enter);
    QVERIFY2(enter.isAccepted(), "a video is welcome");
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(h.window.get(), &drop);
    QVERIFY(QTest::qWaitFor([&] { return h.window->composer()->pendingCount() == 0; }, 20000));
    QCOMPARE(h.window->composer()->images().size(), 1);
    const ui::ImageRef v = h.window->composer()->images().first();
    QVERIFY2(v.preflight.startsWith(QStringLiteral("video 0:02, 64×48, 10 fps")), qPrintable(v.preflight));
    QVERIFY(!v.thumbnail.isNull());
    QCOMPARE(v.thumbnail.width(), 64);  // the poster at its own size (under the thumbnail box)
    // The first frame: a blue square at x 0..15, y 16..31 on light grey; the play mark is white on a
    // dark disc in the middle.
    const QColor square = v.thumbnail.pixelColor(4, 24);
    QVERIFY2(square.blue() > 150 && square.red() < 100, qPrintable(square.name()));
    const QColor mark = v.thumbnail.pixelColor(32, 24);
    QVERIFY2(mark.red() > 200 && mark.green() > 200 && mark.blue() > 200, qPrintable(mark.name()));
    QVERIFY2(v.thumbnail.pixelColor(32, 24 - 7).lightness() < 200, "the dark disc around the mark");
    shot(h.window.get(), "video-attached");
    // Images or one video: a picture beside the video is refused with the reason.
    QImage still(40, 30, QImage::Format_RGB32);
    still.fill(Qt::red);
    const QString png = h.dir.filePath(QStringLiteral("still.png"));
    QVERIFY(still.save(png));
    QSignalSpy problems(h.window->composer(), &ui::Composer::problem);
    QVERIFY(h.window->composer()->addImageFile(png));
    QVERIFY(QTest::qWaitFor([&] { return h.window->composer()->pendingCount() == 0; }, 20000));
    QCOMPARE(h.window->composer()->images().size(), 1);
    QVERIFY(!problems.isEmpty() && problems.last().at(0).toString().contains(QStringLiteral("one video")));
    // A damaged video: a clear problem naming it, nothing attached.
    h.window->composer()->clear();
    const QString bad = h.dir.filePath(QStringLiteral("broken.mp4"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4000, 'x'));
    f.close();
    QVERIFY(h.window->composer()->addImageFile(bad));
    QVERIFY(QTest::qWaitFor([&] { return h.window->composer()->pendingCount() == 0; }, 20000));
    QCOMPARE(h.window->composer()->images().size(), 0);
    QVERIFY(problems.last().at(0).toString().contains(QStringLiteral("broken.mp4")));

    // An answer with a box to a question about a video: the box is not drawn on the video's poster
    // (before the fix it was, at the poster's scale, over the play mark).
    ui::ChatMessageUi question;
    question.id = 1;
    question.role = QStringLiteral("user");
    question.text = QStringLiteral("Where is the square?");
    question.images = {v};
    ui::ChatMessageUi answer;
    answer.id = 2;
    answer.role = QStringLiteral("assistant");
    answer.text = QStringLiteral("<|begin_of_box|>[0,333,250,666]<|end_of_box|>");
    ui::ChatView view;
    view.setMessages({question, answer});
    ui::BoxesPanel* panel = view.messageAt(1)->boxesPanel();
    QVERIFY(panel == nullptr || panel->views().isEmpty());
}

QTEST_MAIN(VisionUiTest)
#include "vision_ui_test.moc"
