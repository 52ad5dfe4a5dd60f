#include "theme.h"

#include <QApplication>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>
#include <memory>

namespace sightline::ui {
namespace {

struct SystemLook {
    QString styleName;
    QPalette palette;
    bool saved = false;
};

SystemLook& systemLook() {
    static SystemLook look;
    if (!look.saved && qApp) {
        look.styleName = QApplication::style()->name();
        look.palette = QApplication::palette();
        look.saved = true;
    }
    return look;
}

Theme g_current = Theme::System;

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31), base(0x1f, 0x21, 0x24), text(0xe8, 0xea, 0xed), button(0x36, 0x38, 0x3d);
    const QColor highlight(0x4c, 0x8b, 0xf5), disabled(0x8a, 0x8d, 0x93);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x32, 0x35, 0x3a));
    p.setColor(QPalette::ToolTipBase, QColor(0x3c, 0x40, 0x43));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0xa0, 0xa6));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, button);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
    p.setColor(QPalette::Light, QColor(0x4a, 0x4d, 0x52));
    p.setColor(QPalette::Midlight, QColor(0x40, 0x43, 0x48));
    p.setColor(QPalette::Mid, QColor(0x5f, 0x63, 0x68));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x8a, 0xb4, 0xf8));
    p.setColor(QPalette::LinkVisited, QColor(0xc5, 0x8a, 0xf9));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) p.setColor(QPalette::Disabled, role, disabled);
    p.setColor(QPalette::Disabled, QPalette::Base, window);
    p.setColor(QPalette::Disabled, QPalette::Button, window);
    return p;
}

QPalette lightPalette() {
    // A style made only for its palette is ours to delete (it leaked on every switch: LeakSanitizer).
    const std::unique_ptr<QStyle> fusion(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p = fusion->standardPalette();
    p.setColor(QPalette::Window, QColor(0xf3, 0xf4, 0xf6));
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xe9, 0xee, 0xf6));
    p.setColor(QPalette::Highlight, QColor(0x1a, 0x73, 0xe8));
    p.setColor(QPalette::PlaceholderText, QColor(0x6b, 0x70, 0x78));
    return p;
}

}  // namespace

QString themeKey(Theme t) {
    switch (t) {
        case Theme::Light:
            return QStringLiteral("light");
        case Theme::Dark:
            return QStringLiteral("dark");
        case Theme::System:
            break;
    }
    return QStringLiteral("system");
}

Theme themeFromKey(const QString& key) {
    if (key == QLatin1String("light")) return Theme::Light;
    if (key == QLatin1String("dark")) return Theme::Dark;
    return Theme::System;
}

Theme loadTheme() {
    return themeFromKey(QSettings().value(QStringLiteral("ui/theme")).toString());
}
void saveTheme(Theme t) {
    QSettings().setValue(QStringLiteral("ui/theme"), themeKey(t));
}
Theme currentTheme() {
    return g_current;
}

void applyTheme(Theme t) {
    SystemLook& sys = systemLook();  // remembered before the first change
    g_current = t;
    if (t == Theme::System) {
        QApplication::setStyle(QStyleFactory::create(sys.styleName.isEmpty() ? QStringLiteral("Fusion") : sys.styleName));
        QApplication::setPalette(sys.palette);
        return;
    }
    const QPalette pal = t == Theme::Dark ? darkPalette() : lightPalette();
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(pal);  // after setStyle: the style would reset it to its own
}

bool isDarkPalette(const QPalette& p) {
    return p.color(QPalette::Window).lightnessF() < 0.5;
}

QColor mixColors(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t), float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

NoticeColors noticeColors(const QPalette& p, bool error) {
    const bool dark = isDarkPalette(p);
    if (error) {
        if (dark) return {QColor(0x4a, 0x1f, 0x1f), QColor(0xe0, 0x5a, 0x4f), QColor(0xff, 0xdc, 0xd8)};
        return {QColor(0xfd, 0xec, 0xea), QColor(0xd9, 0x30, 0x25), QColor(0x5f, 0x10, 0x0b)};
    }
    const QColor hl = p.color(QPalette::Highlight);
    return {mixColors(p.color(QPalette::Base), hl, dark ? 0.25 : 0.12), mixColors(p.color(QPalette::Base), hl, 0.5),
            p.color(QPalette::Text)};
}

QString windowStyleSheet(const QPalette& p) {
    const bool dark = isDarkPalette(p);
    const QColor base = p.color(QPalette::Base), text = p.color(QPalette::Text), hl = p.color(QPalette::Highlight);
    const QColor user = mixColors(base, hl, dark ? 0.22 : 0.10);
    const QColor border = mixColors(base, text, dark ? 0.22 : 0.14);
    // The stats line is secondary but must stay readable: ~60 % of the way from the base to the text
    // (about 4.5:1 contrast on white, where palette(mid) gave under 3:1).
    const QColor stats = mixColors(base, text, 0.62);
    return QStringLiteral(
               "QFrame#userMessage { background: %1; border-radius: 10px; }"
               "QFrame#assistantMessage { background: %2; border: 1px solid %3; border-radius: 10px; }"
               "QLabel#stats { color: %4; }"
               "QListWidget#chatList::item { padding: 5px 6px; }"
               "QFrame#composerBox { background: %2; border: 1px solid %5; border-radius: 10px; }")
        .arg(user.name(), base.name(), border.name(), stats.name(), mixColors(base, text, dark ? 0.30 : 0.25).name());
}

}  // namespace sightline::ui
