// Where a question is written: text, image thumbnails (drop, paste, file dialog), Send / Stop.
// Images are checked by an inspector the app provides (decode + preflight) before they are added.
#pragma once

#include <QWidget>
#include <functional>

#include "chat_types.h"

class QPlainTextEdit;
class QPushButton;
class QHBoxLayout;
class QLabel;
class QMimeData;

namespace sightline::ui {

class Composer : public QWidget {
    Q_OBJECT
public:
    // Returns the preflight text for an image file, or throws nothing and sets *error.
    using Inspector = std::function<QString(const QString& path, QString* error)>;

    explicit Composer(QWidget* parent = nullptr);
    void setInspector(Inspector inspector) { m_inspector = std::move(inspector); }
    void setPasteFolder(const QString& folder) { m_pasteFolder = folder; }
    void setBusy(bool busy);  // Send becomes Stop while an answer streams
    bool busy() const { return m_busy; }

    QString text() const;
    void setText(const QString& text);
    const QList<ImageRef>& images() const { return m_images; }
    void setImages(const QList<ImageRef>& images);
    void clear();

    // Accepts files (URLs) and raw image data; returns how many images were added.
    int addFromMimeData(const QMimeData* mime);
    bool addImageFile(const QString& path);
    void openFileDialog();

Q_SIGNALS:
    void sendRequested();
    void stopRequested();
    void problem(const QString& message);  // unsupported or corrupt input, shown by the window

protected:
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuildThumbnails();
    Inspector m_inspector;
    QString m_pasteFolder;
    QList<ImageRef> m_images;
    QPlainTextEdit* m_edit = nullptr;
    QPushButton* m_send = nullptr;
    QPushButton* m_attach = nullptr;
    QHBoxLayout* m_thumbs = nullptr;
    QWidget* m_thumbBar = nullptr;
    bool m_busy = false;
};

}  // namespace sightline::ui
