// Offscreen Qt Tests of the window's own behaviour (issue #10): attachments read off the GUI thread
// (with the longest GUI stall printed), big-image thumbnails, drops anywhere in the window, paste,
// keyboard focus, small-window layout, monitor axes, the image viewer, themes, seed, banners,
// About / shortcuts / recent models / next-previous chat.
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QMenu>
#include <QMimeData>
#include <QPainter>
#include <QPdfWriter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QToolButton>
#include <QUrl>
#include <QValueAxis>

#include "about_dialog.h"
#include "attach_drop_overlay.h"
#include "attach_inspect.h"
#include "boxes_view.h"
#include "chat_view.h"
#include "image_viewer.h"
#include "message_widget.h"
#include "monitor_widget.h"
#include "notice_banner.h"
#include "settings_dialog.h"
#include "shots.h"
#include "theme.h"
#include "ui_harness.h"

using namespace sightline;
using sightline::test::shot;
using ui_harness::FakeBackend;
using ui_harness::Harness;
using ui_harness::StallMeter;

namespace {

const QString kFixtures = QStringLiteral(SIGHTLINE_FIXTURES_DIR);
const QString kSmallImage = kFixtures + "/cases/images/img_300x200.png";

// The GUI thread may be busy this long at most while an image is read or an answer streams. The
// issue's target is 50 ms on a desktop; a shared CI machine gets some slack (override with
// SIGHTLINE_STALL_LIMIT_MS). Reading an 8000×6000 JPEG on the GUI thread takes several times this.
// The goal is < 50 ms (the printed figure); the test only fails on a stall that means work on the GUI
// thread (decoding the 8000×6000 JPEG there blocks ~1 s), not on a busy machine's scheduling noise.
qint64 stallLimitMs() {
    return qEnvironmentVariableIsSet("SIGHTLINE_STALL_LIMIT_MS") ? qEnvironmentVariableIntValue("SIGHTLINE_STALL_LIMIT_MS") : 600;
}

// An 8000×6000 photo-like JPEG (detail everywhere, so decoding costs what a real photo costs).
QString writeBigJpeg(const QString& path) {
    QImage img(8000, 6000, QImage::Format_RGB32);
    for (int y = 0; y < img.height(); ++y) {
        auto* line = reinterpret_cast<QRgb*>(img.scanLine(y));
        for (int x = 0; x < img.width(); ++x) line[x] = qRgb((x * 7 + y) & 0xFF, (x ^ y) & 0xFF, (y * 3 + (x >> 4)) & 0xFF);
    }
    return img.save(path, "JPEG", 85) ? path : QString();
}

QToolButton* buttonNamed(QWidget* root, const QString& accessibleName) {
    for (auto* b : root->findChildren<QToolButton*>())
        if (b->accessibleName() == accessibleName && b->isVisibleTo(root)) return b;
    return nullptr;
}

}  // namespace

class WindowTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void bigImageIsReadOffTheGuiThread();
    void staleResultOfARemovedImageIsDropped();
    void sendWaitsForImagesBeingRead();
    void streamingKeepsTheGuiResponsive();
    void dropAnywhereInTheWindowWithHighlight();
    void pasteImageWithFocusElsewhere();
    void tabMovesFocusOutOfTheComposer();
    void smallWindowKeepsComposerChatAndStatusBar();
    void monitorRateHasItsOwnAxisAndWholeTicks();
    void imageViewerZoomFitNextAndEscape();
    void themeSwitchesLiveAndPersists();
    void seedFromSettingsReachesTheRequest();
    void apiKeyInSettings();
    void imageResizeSetting();
    void errorBannerStaysInfoGoes();
    void aboutShortcutsRecentModelsAndChatNavigation();
    void copyGivesFeedback();
};

void WindowTest::initTestCase() {
    // Keep the user's own settings out of it.
    QCoreApplication::setOrganizationName(QStringLiteral("SightlineWindowTest"));
    QCoreApplication::setApplicationName(QStringLiteral("window_test"));
    QSettings().clear();
}

void WindowTest::bigImageIsReadOffTheGuiThread() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    const QString big = writeBigJpeg(h.dir.filePath("big-8000x6000.jpg"));  // outside the measured window
    QVERIFY(!big.isEmpty());
    ui::Composer* c = h.window->composer();
    QSignalSpy problems(c, &ui::Composer::problem);
    StallMeter meter;
    QElapsedTimer wall;
    wall.start();
    QVERIFY(c->addImageFile(big));
    QCOMPARE(c->pendingCount(), 1);  // returned at once; read on a pool thread
    QVERIFY(QTest::qWaitFor([&] { return c->pendingCount() == 0; }, 60000));
    const qint64 stall = meter.maxGapMs();
    qInfo("attaching an 8000x6000 JPEG: longest GUI-thread stall %lld ms (reading took %lld ms)", stall, wall.elapsed());
    QVERIFY2(problems.isEmpty(), problems.isEmpty() ? "" : qPrintable(problems.first().first().toString()));
    QCOMPARE(c->images().size(), 1);
    const ui::ImageRef& im = c->images().first();
    QVERIFY2(!im.thumbnail.isNull(), "a big image still gets a thumbnail");
    QVERIFY(im.thumbnail.width() <= ui::kThumbnailSide && im.thumbnail.height() <= ui::kThumbnailSide);
    QVERIFY(!im.sha256.isEmpty());
    QVERIFY2(im.preflight.contains("8000×6000") && im.preflight.contains("7 image tokens"), qPrintable(im.preflight));
    QToolButton* tile = buttonNamed(c, QStringLiteral("Image 1"));
    QVERIFY(tile);
    QVERIFY2(tile->toolTip().contains("image tokens") && tile->toolTip().contains("big-8000x6000.jpg"), qPrintable(tile->toolTip()));
    QVERIFY(!tile->icon().isNull());
    QVERIFY2(stall < stallLimitMs(), qPrintable(QStringLiteral("GUI thread blocked %1 ms").arg(stall)));
    shot(h.window.get(), "big-image-attached");
}

void WindowTest::staleResultOfARemovedImageIsDropped() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    ui::Composer* c = h.window->composer();
    QVERIFY(c->addImageFile(kSmallImage));
    QToolButton* remove = buttonNamed(c, QStringLiteral("Remove Image being read"));
    QVERIFY(remove);
    remove->click();  // before its reading finishes
    QCOMPARE(c->pendingCount(), 0);
    QTest::qWait(400);  // the reading finishes meanwhile; its result must not come back
    QCOMPARE(c->images().size(), 0);
    QVERIFY(c->addImageFile(kSmallImage));
    c->clear();  // the same through clear()
    QVERIFY(c->addImageFile(kFixtures + "/cases/images/img_1x1.png"));
    QVERIFY(QTest::qWaitFor([&] { return c->pendingCount() == 0; }, 10000));
    QTest::qWait(200);
    QCOMPARE(c->images().size(), 1);
    QVERIFY(c->images().first().path.endsWith("img_1x1.png"));
}

void WindowTest::sendWaitsForImagesBeingRead() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"ok"}, 1));
    QVERIFY(h.waitLoaded());
    ui::Composer* c = h.window->composer();
    QSignalSpy sends(c, &ui::Composer::sendRequested);
    QVERIFY(c->addImageFile(kSmallImage));
    c->setText(QStringLiteral("What is it?"));
    auto* edit = c->findChild<QPlainTextEdit*>();
    QTest::keyClick(edit, Qt::Key_Return, Qt::ControlModifier);
    if (c->pendingCount() > 0) QCOMPARE(sends.count(), 0);  // waits for the image
    QVERIFY(QTest::qWaitFor([&] { return sends.count() == 1; }, 10000));
    QVERIFY(h.waitIdle());
    const auto saved = h.store->messages(h.window->currentChat());
    QVERIFY(saved.size() >= 1);
    QCOMPARE(saved.first().images.size(), 1);  // the image went with the question
}

void WindowTest::streamingKeepsTheGuiResponsive() {
    QStringList tokens;
    for (int i = 0; i < 150; ++i) tokens << QStringLiteral("word%1 ").arg(i);
    Harness h(std::make_unique<FakeBackend>(tokens, 4));
    QVERIFY(h.waitLoaded());
    h.window->composer()->setText(QStringLiteral("Tell me a long story"));
    StallMeter meter;
    h.window->send();
    QVERIFY(h.waitIdle(60000));
    const qint64 stall = meter.maxGapMs();
    qInfo("streaming 150 tokens with the fake backend: longest GUI-thread stall %lld ms", stall);
    QVERIFY2(stall < stallLimitMs(), qPrintable(QStringLiteral("GUI thread blocked %1 ms").arg(stall)));
}

void WindowTest::dropAnywhereInTheWindowWithHighlight() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    auto* overlay = h.window->findChild<ui::DropOverlay*>();
    QVERIFY(overlay);
    QWidget* area = h.window->chatView()->viewport();  // the conversation, where the page says "Drop…"
    QMimeData files;
    files.setUrls({QUrl::fromLocalFile(kSmallImage)});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(area, &enter);
    QVERIFY(enter.isAccepted());
    QVERIFY2(overlay->isVisible(), "a highlight shows while dragging");
    shot(h.window.get(), "drop-highlight");
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(h.window.get(), &drop);
    QVERIFY(!overlay->isVisible());
    QVERIFY(QTest::qWaitFor([&] { return h.window->composer()->images().size() == 1; }, 10000));

    // Not images: a folder and a CSV are refused at the door (no highlight, no error afterwards).
    const QString csv = h.dir.filePath("queue.csv");
    QFile f(csv);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("id,image\n1,x.png\n");
    f.close();
    for (const QString& path : {h.dir.path(), csv}) {
        QMimeData other;
        other.setUrls({QUrl::fromLocalFile(path)});
        QDragEnterEvent e(QPoint(50, 50), Qt::CopyAction, &other, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(area, &e);
        QVERIFY2(!e.isAccepted(), qPrintable(path));
        QVERIFY(!overlay->isVisible());
    }
    // Image data dragged from another app.
    QMimeData data;
    QImage img(40, 30, QImage::Format_RGB32);
    img.fill(Qt::red);
    data.setImageData(img);
    QDragEnterEvent enter2(QPoint(20, 20), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(h.window->chatView()->viewport(), &enter2);
    QVERIFY(enter2.isAccepted());
    QDragLeaveEvent leave;
    QApplication::sendEvent(h.window.get(), &leave);
    QVERIFY(!overlay->isVisible());
    // The composer's text field passes image drags to the window too (one highlight, one drop rule).
    auto* edit = h.window->composer()->findChild<QPlainTextEdit*>();
    QDragEnterEvent enter3(QPoint(5, 5), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(edit->viewport(), &enter3);
    QVERIFY(enter3.isAccepted());
    QVERIFY(overlay->isVisible());
}

void WindowTest::pasteImageWithFocusElsewhere() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    QVERIFY(QTest::qWaitForWindowActive(h.window.get()));
    auto* mime = new QMimeData;
    QImage img(20, 20, QImage::Format_RGB32);
    img.fill(Qt::blue);
    mime->setImageData(img);
    QApplication::clipboard()->setMimeData(mime);
    auto* list = h.window->findChild<QListWidget*>();
    list->setFocus();
    QTest::keySequence(list, QKeySequence::Paste);
    QVERIFY(QTest::qWaitFor([&] { return h.window->composer()->images().size() == 1; }, 10000));
}

void WindowTest::tabMovesFocusOutOfTheComposer() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(QTest::qWaitForWindowActive(h.window.get()));
    auto* edit = h.window->composer()->findChild<QPlainTextEdit*>();
    edit->setFocus();
    QVERIFY(QTest::qWaitFor([&] { return edit->hasFocus(); }));
    QTest::keyClick(edit, Qt::Key_Tab);
    QVERIFY2(!edit->toPlainText().contains('\t'), "Tab typed a tab");
    QVERIFY2(!edit->hasFocus(), "Tab did not move the focus");
    edit->setFocus();
    QTest::keyClick(edit, Qt::Key_Backtab, Qt::ShiftModifier);
    QVERIFY(!edit->hasFocus());
}

void WindowTest::smallWindowKeepsComposerChatAndStatusBar() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1), {}, QSize(800, 600));
    QVERIFY(h.waitLoaded());
    h.window->onMemory(6LL << 30, 24LL << 30, QStringLiteral("cuda:0 (NVIDIA GeForce RTX 4090)"));
    auto* monitor = new ui::MonitorWidget(h.window.get());
    QDockWidget* dock = h.window->addMonitorDock(monitor);
    auto check = [&](const char* when) {
        QTest::qWait(100);
        ui::Composer* c = h.window->composer();
        auto* edit = c->findChild<QPlainTextEdit*>();
        const int line = edit->fontMetrics().lineSpacing();
        QVERIFY2(edit->height() >= 2 * line + 10, qPrintable(QStringLiteral("%1: question field %2 px").arg(when).arg(edit->height())));
        QVERIFY2(h.window->chatView()->height() >= 150,
                 qPrintable(QStringLiteral("%1: conversation %2 px").arg(when).arg(h.window->chatView()->height())));
        QStatusBar* sb = h.window->statusBar();
        QVERIFY2(sb->isVisible() && sb->height() >= sb->minimumSizeHint().height() && sb->geometry().bottom() < h.window->height(), when);
        for (auto* d : h.window->findChildren<QDockWidget*>())  // nothing drawn over the status bar
            if (d->isVisible()) QVERIFY2(d->geometry().bottom() < sb->geometry().top(), when);
        QVERIFY2(c->geometry().bottom() < sb->geometry().top(), when);
        QVERIFY2(h.window->width() <= 800 && h.window->height() <= 600,
                 qPrintable(QStringLiteral("%1: window grew to %2x%3").arg(when).arg(h.window->width()).arg(h.window->height())));
    };
    check("800x600");
    dock->show();
    QVERIFY(QTest::qWaitFor([&] { return dock->isVisible(); }));
    check("800x600 with the monitor dock");
    shot(h.window.get(), "small-window-monitor");
    QVERIFY2(monitor->height() >= 120, qPrintable(QStringLiteral("monitor %1 px").arg(monitor->height())));
    h.window->resize(300, 200);
    QTest::qWait(50);
    QVERIFY(h.window->width() >= ui::MainWindow::kMinimumSize.width() && h.window->height() >= ui::MainWindow::kMinimumSize.height());
}

void WindowTest::monitorRateHasItsOwnAxisAndWholeTicks() {
    ui::MonitorWidget monitor;
    monitor.resize(1100, 500);
    monitor.show();
    {
        ui::MonitorWidget one;  // a single request: its points show, the axes stay readable
        one.resize(1100, 500);
        one.show();
        ui::RequestRecord r;
        r.id = 1;
        r.ttftMs = 85;
        r.totalMs = 620;
        r.decodeTokensPerS = 1740;
        one.addRequest(r);
        shot(&one, "monitor-one");
    }
    for (int i = 0; i < 3; ++i) {
        ui::RequestRecord r;
        r.id = quint64(i + 1);
        r.ttftMs = 100 + i;
        r.totalMs = 900;
        r.decodeTokensPerS = 180 + i;
        monitor.addRequest(r);
    }
    QLineSeries *decode = nullptr, *rate = nullptr;
    QChart* speed = nullptr;
    for (auto* view : monitor.findChildren<QChartView*>())
        for (auto* s : view->chart()->series()) {
            if (s->name() == QLatin1String("decode tok/s")) decode = static_cast<QLineSeries*>(s), speed = view->chart();
            if (s->name() == QLatin1String("requests/min")) rate = static_cast<QLineSeries*>(s);
        }
    QVERIFY(decode && rate && speed);
    shot(&monitor, "monitor");
    auto yAxis = [](QAbstractSeries* s) -> QValueAxis* {
        for (auto* a : s->attachedAxes())
            if (a->orientation() == Qt::Vertical) return static_cast<QValueAxis*>(a);
        return nullptr;
    };
    QVERIFY(yAxis(decode) && yAxis(rate));
    QVERIFY2(yAxis(decode) != yAxis(rate), "requests/min must not share the tokens/s axis");
    QVERIFY(yAxis(rate)->max() <= 10);  // scaled to the count, not to ~200 tokens/s
    QVERIFY(yAxis(decode)->max() >= 182);
    for (auto* a : speed->axes()) {
        auto* v = static_cast<QValueAxis*>(a);
        if (a->orientation() == Qt::Horizontal || v == yAxis(rate)) {
            // Seconds and requests are whole: ticks every whole unit or more, labels without decimals.
            QVERIFY2(v->tickType() == QValueAxis::TicksDynamic && v->tickInterval() >= 1, qPrintable(v->titleText()));
            QCOMPARE(v->labelFormat(), QStringLiteral("%.0f"));
        }
    }
    // Legends fit: every marker's label is shown whole in its chart's width.
    for (auto* view : monitor.findChildren<QChartView*>()) {
        const QFontMetrics fm(view->chart()->legend()->font());
        int needed = 0;
        for (auto* m : view->chart()->legend()->markers()) needed += fm.horizontalAdvance(m->label()) + fm.height() * 2;
        QVERIFY2(needed < view->chart()->plotArea().width() + 60, qPrintable(view->chart()->title()));
    }
}

void WindowTest::imageViewerZoomFitNextAndEscape() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    QVERIFY(h.waitLoaded());
    ui::Composer* c = h.window->composer();
    QVERIFY(c->addImageFile(kSmallImage));
    QVERIFY(c->addImageFile(kFixtures + "/cases/images/img_57x91.png"));
    QVERIFY(QTest::qWaitFor([&] { return c->images().size() == 2; }, 10000));
    QToolButton* tile = buttonNamed(c, QStringLiteral("Image 1"));
    QVERIFY(tile);
    tile->click();  // the thumbnail opens the viewer
    auto* viewer = h.window->findChild<ui::ImageViewer*>();
    QVERIFY(viewer);
    QVERIFY(QTest::qWaitFor([&] { return viewer->imageLoaded(); }, 10000));
    QVERIFY(QTest::qWaitForWindowExposed(viewer));
    QCOMPARE(viewer->count(), 2);
    QCOMPARE(viewer->index(), 0);  // the first thumbnail
    QVERIFY(viewer->fitting());
    shot(viewer, "viewer");
    const double fit = viewer->zoom();
    QTest::keyClick(viewer, Qt::Key_Plus);
    QVERIFY(!viewer->fitting());
    QVERIFY(viewer->zoom() > fit * 1.2);
    QTest::keyClick(viewer, Qt::Key_Minus);
    QVERIFY(std::abs(viewer->zoom() - fit) < 1e-6);
    QTest::keyClick(viewer, Qt::Key_1);
    QCOMPARE(viewer->zoom(), 1.0);
    QTest::keyClick(viewer, Qt::Key_F);
    QVERIFY(viewer->fitting());
    const int first = viewer->index();
    QTest::keyClick(viewer, first == 0 ? Qt::Key_Right : Qt::Key_Left);
    QCOMPARE(viewer->index(), 1 - first);
    QVERIFY(QTest::qWaitFor([&] { return viewer->imageLoaded(); }, 10000));
    QPointer<ui::ImageViewer> alive(viewer);
    QTest::keyClick(viewer, Qt::Key_Escape);
    QVERIFY(QTest::qWaitFor([&] { return !alive || !alive->isVisible(); }, 2000));
    // An image inside a sent message opens the viewer on that message's images (the chat's copies).
    c->setText(QStringLiteral("what are these?"));
    h.window->send();
    QVERIFY(h.waitIdle());
    QToolButton* inMessage = nullptr;
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (auto* b : h.window->chatView()->findChildren<QToolButton*>())
                if (b->accessibleName().startsWith(QStringLiteral("Attached image")) && b->isVisible()) inMessage = b;
            return inMessage != nullptr;
        },
        5000));
    inMessage->click();
    QVERIFY(QTest::qWaitFor(
        [&] {
            auto* v = h.window->findChild<ui::ImageViewer*>();
            return v && v->isVisible() && v->count() == 2;
        },
        5000));
    h.window->findChild<ui::ImageViewer*>()->close();
}

void WindowTest::themeSwitchesLiveAndPersists() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    ui::applyTheme(ui::Theme::Dark);
    QVERIFY(ui::isDarkPalette(QApplication::palette()));
    // Widgets get the application palette through posted events.
    QVERIFY(QTest::qWaitFor([&] { return ui::isDarkPalette(h.window->palette()); }, 2000));
    const QString darkSheet = h.window->styleSheet();
    QCOMPARE(darkSheet, ui::windowStyleSheet(h.window->palette()));
    ui::applyTheme(ui::Theme::Light);
    QVERIFY(QTest::qWaitFor([&] { return !ui::isDarkPalette(h.window->palette()); }, 2000));
    QVERIFY2(h.window->styleSheet() != darkSheet, "the window's colours follow the theme");
    // Stats line contrast against the message background (WCAG 4.5:1 for small text).
    auto luminance = [](QColor c) {
        auto ch = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF());
    };
    for (auto theme : {ui::Theme::Light, ui::Theme::Dark}) {
        ui::applyTheme(theme);
        QVERIFY(QTest::qWaitFor([&] { return ui::isDarkPalette(h.window->palette()) == (theme == ui::Theme::Dark); }, 2000));
        const QPalette pal = QApplication::palette();
        const QColor stats = ui::mixColors(pal.color(QPalette::Base), pal.color(QPalette::Text), 0.62);
        QVERIFY(h.window->styleSheet().contains(stats.name()));
        const double a = luminance(stats), b = luminance(pal.color(QPalette::Base));
        QVERIFY2((std::max(a, b) + 0.05) / (std::min(a, b) + 0.05) >= 4.5, qPrintable(ui::themeKey(theme)));
    }
    // Chosen in Settings: previewed live, kept on OK, put back on Cancel, persisted by the window.
    ui::applyTheme(ui::Theme::Light);
    {
        ui::SettingsDialog dlg(h.window->settings(), h.window.get());
        auto* combo = dlg.findChild<QComboBox*>();
        for (auto* cb : dlg.findChildren<QComboBox*>())
            if (cb->accessibleName() == QLatin1String("Theme")) combo = cb;
        combo->setCurrentIndex(combo->findData(QStringLiteral("dark")));
        QVERIFY(ui::isDarkPalette(QApplication::palette()));  // live
        dlg.show();
        shot(&dlg, "settings-dark");
        dlg.reject();
        QVERIFY(!ui::isDarkPalette(QApplication::palette()));  // put back
    }
    ui::saveTheme(ui::Theme::Dark);
    QCOMPARE(ui::loadTheme(), ui::Theme::Dark);
    ui::saveTheme(ui::Theme::System);
    ui::applyTheme(ui::Theme::System);
}

void WindowTest::seedFromSettingsReachesTheRequest() {
    ui::GenerationSettings s;
    s.seed = 1234;
    {
        ui::SettingsDialog dlg(s);
        QCOMPARE(dlg.settings().seed, 1234);
        for (auto* e : dlg.findChildren<QLineEdit*>())
            if (e->accessibleName() == QLatin1String("Seed")) e->clear();
        QCOMPARE(dlg.settings().seed, -1);  // empty: random
    }
    QCOMPARE(ui::GenerationSettings::fromJson(s.toJson()).seed, 1234);
    auto backend = std::make_unique<FakeBackend>(QStringList{"x"}, 1);
    FakeBackend* fake = backend.get();
    Harness h(std::move(backend), s);
    QVERIFY(h.waitLoaded());
    QSignalSpy requests(h.window.get(), &ui::MainWindow::generateRequested);
    for (int i = 0; i < 2; ++i) {
        h.window->composer()->setText(QStringLiteral("again"));
        h.window->send();
        QVERIFY(h.waitIdle());
    }
    QCOMPARE(requests.count(), 2);
    QCOMPARE(requests[0][0].value<ui::GenerationRequest>().seed, 1234);
    QCOMPARE(requests[1][0].value<ui::GenerationRequest>().seed, 1234);
    QCOMPARE(fake->lastSeed.load(), 1234);
}

// The image-processor backend: torchvision by default (as transformers 5), PIL selectable in Settings,
// saved and read back; a settings file without it, or with an unknown value, means torchvision.
void WindowTest::imageResizeSetting() {
    ui::GenerationSettings s;
    QCOMPARE(s.imageResize, QStringLiteral("torchvision"));
    QCOMPARE(ui::GenerationSettings::fromJson(QJsonObject{}).imageResize, QStringLiteral("torchvision"));
    QCOMPARE(ui::GenerationSettings::fromJson(QJsonObject{{"image_resize", "lanczos"}}).imageResize, QStringLiteral("torchvision"));
    s.imageResize = QStringLiteral("pil");
    QCOMPARE(ui::GenerationSettings::fromJson(s.toJson()).imageResize, QStringLiteral("pil"));
    ui::SettingsDialog dlg(s);
    QComboBox* combo = nullptr;
    for (auto* c : dlg.findChildren<QComboBox*>())
        if (c->findData(QStringLiteral("pil")) >= 0) combo = c;
    QVERIFY(combo);
    QCOMPARE(combo->currentData().toString(), QStringLiteral("pil"));
    QCOMPARE(dlg.settings().imageResize, QStringLiteral("pil"));
    combo->setCurrentIndex(combo->findData(QStringLiteral("torchvision")));
    QCOMPARE(dlg.settings().imageResize, QStringLiteral("torchvision"));
    QCOMPARE(ui::GenerationSettings::fromJson(dlg.settings().toJson()).imageResize, QStringLiteral("torchvision"));
}

void WindowTest::apiKeyInSettings() {
    // The key row: empty while the API is off, made when it is turned on, masked until Show,
    // copied, regenerated; the request log switch reaches the settings and their JSON.
    QString stored;
    int made = 0;
    ui::setApiKeyAccess({[&](bool create) {
                             if (create && stored.isEmpty()) stored = QStringLiteral("sl-first-%1").arg(++made);
                             return stored;
                         },
                         [&] { return stored = QStringLiteral("sl-second"); }});
    {
        ui::GenerationSettings s;
        ui::SettingsDialog dlg(s);
        QLineEdit* key = nullptr;
        for (auto* e : dlg.findChildren<QLineEdit*>())
            if (e->accessibleName() == QLatin1String("API key")) key = e;
        QSpinBox* port = nullptr;
        for (auto* b : dlg.findChildren<QSpinBox*>())
            if (b->accessibleName() == QLatin1String("Local API port")) port = b;
        QCheckBox* log = nullptr;
        for (auto* c : dlg.findChildren<QCheckBox*>())
            if (c->accessibleName() == QLatin1String("API request log")) log = c;
        QVERIFY(key && port && log);
        auto button = [&](const QString& text) -> QPushButton* {
            for (auto* b : dlg.findChildren<QPushButton*>())
                if (b->text() == text) return b;
            return nullptr;
        };
        QVERIFY(key->text().isEmpty());  // the API is off: no key is made
        QCOMPARE(made, 0);
        QVERIFY(!button(QStringLiteral("Copy"))->isEnabled());
        port->setValue(8080);
        QCOMPARE(key->text(), QStringLiteral("sl-first-1"));  // turned on: made once
        QCOMPARE(key->echoMode(), QLineEdit::Password);
        QTest::mouseClick(button(QStringLiteral("Show")), Qt::LeftButton);
        QCOMPARE(key->echoMode(), QLineEdit::Normal);
        QTest::mouseClick(button(QStringLiteral("Hide")), Qt::LeftButton);
        QCOMPARE(key->echoMode(), QLineEdit::Password);
        QTest::mouseClick(button(QStringLiteral("Copy")), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("sl-first-1"));
        QTest::mouseClick(button(QStringLiteral("Regenerate")), Qt::LeftButton);
        QCOMPARE(key->text(), QStringLiteral("sl-second"));
        dlg.show();
        shot(&dlg, "settings-api-key");
        port->setValue(9090);
        QCOMPARE(made, 1);
        QVERIFY(!dlg.settings().apiRequestLog);
        log->setChecked(true);
        QVERIFY(dlg.settings().apiRequestLog);
        QVERIFY(ui::GenerationSettings::fromJson(dlg.settings().toJson()).apiRequestLog);
    }
    {
        ui::GenerationSettings s;
        s.apiPort = 8080;
        ui::SettingsDialog dlg(s);  // opened with the API on: the stored key is shown
        for (auto* e : dlg.findChildren<QLineEdit*>())
            if (e->accessibleName() == QLatin1String("API key")) QCOMPARE(e->text(), QStringLiteral("sl-second"));
    }
    ui::setApiKeyAccess({});
}

void WindowTest::errorBannerStaysInfoGoes() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    ui::NoticeBanner* n = h.window->notice();
    h.window->showInfo(QStringLiteral("Model loaded"));
    QVERIFY(n->isVisible());
    QCOMPARE(n->kind(), ui::NoticeBanner::Kind::Info);
    n->showInfo(QStringLiteral("short"), 50);
    QVERIFY(QTest::qWaitFor([&] { return !n->isVisible(); }, 2000));  // info goes by itself
    n->showInfo(QStringLiteral("short again"), 50);                   // its timer runs…
    h.window->showProblem(QStringLiteral("Cannot read broken.png"));  // …and an error replaces it
    QCOMPARE(n->kind(), ui::NoticeBanner::Kind::Error);
    QVERIFY(n->styleSheet().contains(ui::noticeColors(n->palette(), true).background.name()));
    QVERIFY(n->styleSheet() != QString());
    h.window->showInfo(QStringLiteral("something minor"));
    QCOMPARE(n->text(), QStringLiteral("Cannot read broken.png"));  // an info never hides an error
    QTest::qWait(400);
    QVERIFY2(n->isVisible(), "an error stays until dismissed");
    auto* close = buttonNamed(n, QStringLiteral("Dismiss notice"));
    QVERIFY(close);
    close->click();
    QVERIFY(!n->isVisible());
    // A failed load says what to do and offers it.
    h.window->onLoadFailed(QStringLiteral("config.json not found"), false);
    QVERIFY(n->isVisible() && n->kind() == ui::NoticeBanner::Kind::Error);
    QVERIFY(n->text().contains("config.json not found") && n->text().contains("Choose"));
    bool offered = false;
    for (auto* b : n->findChildren<QPushButton*>()) offered |= b->isVisible() && b->text().contains("Open model folder");
    QVERIFY(offered);
    shot(h.window.get(), "error-banner");
}

void WindowTest::aboutShortcutsRecentModelsAndChatNavigation() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    // Chats to move between (newest first in the list).
    qint64 id = -1;
    for (int i = 0; i < 3; ++i) id = h.store->createChat(QStringLiteral("chat %1").arg(i), {});
    h.window->openChat(id);
    const qint64 first = h.window->currentChat();
    h.window->nextChat();
    QVERIFY(h.window->currentChat() >= 0 && h.window->currentChat() != first);
    h.window->previousChat();
    QCOMPARE(h.window->currentChat(), first);
    h.window->previousChat();  // at the top: stays
    QCOMPARE(h.window->currentChat(), first);
    // Shortcuts exist for them and for the rest of issue #10's list, and the sheet lists them.
    const auto rows = ui::ShortcutsDialog::collect(h.window.get());
    auto has = [&](QKeySequence keys) {
        for (const auto& r : rows)
            if (r.second == keys.toString(QKeySequence::NativeText)) return true;
        return false;
    };
    QVERIFY(has(QKeySequence(Qt::CTRL | Qt::Key_PageDown)) && has(QKeySequence(Qt::CTRL | Qt::Key_PageUp)));
    QVERIFY(has(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O)));  // open model
    QVERIFY(has(QKeySequence(Qt::CTRL | Qt::Key_Slash)));          // this sheet
    {
        ui::ShortcutsDialog sheet(h.window.get());
        sheet.show();
        shot(&sheet, "shortcuts");
    }
    // About shows what the app layer reports.
    int asked = 0;
    h.window->setAboutProvider([&] {
        ++asked;
        return QStringLiteral("Sightline: 9.9\nlibtorch: 2.x\nGPU: none");
    });
    QTimer::singleShot(200, [] {
        if (auto* d = qobject_cast<QDialog*>(QApplication::activeModalWidget())) {
            shot(d, "about");
            d->reject();
        }
    });
    h.window->showAbout();
    QCOMPARE(asked, 1);
    // What the app gives it: the engine's versions, one "Name: value" a line.
    const QString report = app::versionReport();
    qInfo("%s", qPrintable(QString(report).replace(QLatin1Char('\n'), QStringLiteral(" · "))));
    QVERIFY2(report.contains(QStringLiteral("libtorch: ") + QString::fromStdString(libtorchVersion())), qPrintable(report));
    QVERIFY(report.contains(QStringLiteral("Qt: ") + QString::fromLatin1(qVersion())));
    for (const char* key : {"CUDA runtime: ", "CUDA driver: ", "NVIDIA driver: ", "GPU: "}) QVERIFY2(report.contains(key), key);
    // Recent models: remembered on a successful load, newest first, persisted.
    QSettings().remove(QStringLiteral("recentModels"));
    for (const QString& dir : {QStringLiteral("/models/a"), QStringLiteral("/models/b"), QStringLiteral("/models/a")}) {
        h.window->onLoadStarted(dir);
        h.window->onModelLoaded(QStringLiteral("fake"), QStringLiteral("cpu"));
    }
    QCOMPARE(h.window->recentModels(), (QStringList{"/models/a", "/models/b"}));
    auto* menu = h.window->findChild<QMenu*>(QStringLiteral("recentModelsMenu"));
    QVERIFY(menu && menu->actions().first()->text().contains("/models/a"));
    QSignalSpy loads(h.window.get(), &ui::MainWindow::loadModelRequested);
    menu->actions().at(1)->trigger();
    QCOMPARE(loads.count(), 1);
    QCOMPARE(loads.first().first().value<ui::GenerationSettings>().modelDir, QStringLiteral("/models/b"));
}

void WindowTest::copyGivesFeedback() {
    Harness h(std::make_unique<FakeBackend>(QStringList{"a"}, 1));
    Q_EMIT h.window->chatView()->copyRequested(QStringLiteral("the answer"));
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("the answer"));
    QVERIFY(h.window->statusBar()->currentMessage().contains("Copied"));
}

QTEST_MAIN(WindowTest)
#include "window_test.moc"
