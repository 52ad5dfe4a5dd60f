// Look of the app: system / light / dark, applied live to the whole QApplication (Fusion style and a
// palette for light and dark; the platform's own style and palette for "system"), persisted in
// QSettings ("ui/theme"). The colours derived from a palette (message bubbles, stats line, error
// banner) are computed here so that every theme keeps its contrast. GUI thread only.
#pragma once

#include <QColor>
#include <QPalette>
#include <QString>

namespace sightline::ui {

enum class Theme { System, Light, Dark };

QString themeKey(Theme theme);           // "system", "light", "dark"
Theme themeFromKey(const QString& key);  // unknown: System
Theme loadTheme();
void saveTheme(Theme theme);
void applyTheme(Theme theme);
Theme currentTheme();  // the last one applied (System before any)

bool isDarkPalette(const QPalette& palette);
// A colour between a and b (t = 0: a, 1: b).
QColor mixColors(const QColor& a, const QColor& b, double t);

struct NoticeColors {
    QColor background, border, text;
};
NoticeColors noticeColors(const QPalette& palette, bool error);

// The main window's style sheet for the given palette (bubbles, stats line, composer frame).
QString windowStyleSheet(const QPalette& palette);

}  // namespace sightline::ui
