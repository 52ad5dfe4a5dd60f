// A large view of the images of a question or a message: zoom (wheel around the cursor, + / -),
// fit to the window (F or 0), actual size (1), drag to pan, previous / next (← → or PgUp / PgDown),
// Esc closes. Images are decoded on a pool thread; a result for an image no longer shown is dropped.
// GUI thread only.
#pragma once

#include <QDialog>
#include <QStringList>
#include <QThreadPool>

class QLabel;
class QToolButton;

namespace sightline::ui {

class ImageCanvas;

class ImageViewer : public QDialog {
    Q_OBJECT
public:
    static constexpr int kMaxSide = 16384;  // larger images are shown scaled down to this

    explicit ImageViewer(QWidget* parent = nullptr);
    ~ImageViewer() override;
    void setImages(const QStringList& paths, int index);
    int index() const { return m_index; }
    int count() const { return int(m_paths.size()); }
    bool imageLoaded() const;
    double zoom() const;   // device-independent pixels per image pixel
    bool fitting() const;  // the zoom follows the window size

public Q_SLOTS:
    void next();
    void previous();
    void zoomIn();
    void zoomOut();
    void fitToWindow();
    void actualSize();

Q_SIGNALS:
    void imageShown(int index);  // its pixels are on screen (or it failed to load)

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    void load();
    void updateCaption();
    QStringList m_paths;
    int m_index = 0;
    quint64 m_generation = 0;  // which load a result answers
    ImageCanvas* m_canvas = nullptr;
    QLabel* m_caption = nullptr;
    QLabel* m_zoomLabel = nullptr;
    QToolButton *m_prev = nullptr, *m_next = nullptr;
    QString m_info;      // "name · W×H" or the error
    QThreadPool m_pool;  // last member: waited for before the rest goes
};

}  // namespace sightline::ui
