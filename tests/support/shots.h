// Screenshots of widgets in the Qt tests, for a person to look at (README screenshots come from these).
#pragma once

#include <QString>
#include <QTest>
#include <QWidget>

namespace sightline::test {

// With SIGHTLINE_SHOTS_DIR set, saves what the widget looks like as NAME.png there; otherwise nothing.
inline void shot(QWidget* w, const QString& name) {
    const QString dir = qEnvironmentVariable("SIGHTLINE_SHOTS_DIR");
    if (dir.isEmpty()) return;
    QTest::qWait(50);
    w->grab().save(dir + "/" + name + ".png");
}

}  // namespace sightline::test
