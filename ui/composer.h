// Where a question is written: text, image thumbnails (drop, paste, file dialog), Send / Stop.
// Each image is read off the GUI thread (hash, thumbnail, the app's pre-flight): it shows as a
// pending tile until its result comes back and is applied on the GUI thread; the result of a tile
// removed meanwhile (or of a cleared composer) is dropped. A send asked for while images are still
// being read waits for them. GUI thread only.
#pragma once

#include <QThreadPool>
#include <QWidget>

#include "attach_inspect.h"
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
    using Inspector = AttachInspector;  // runs on a pool thread (see attach_inspect.h)

    explicit Composer(QWidget* parent = nullptr);
    ~Composer() override;  // waits for running inspections (they hold no pointer to the composer)
    void setInspector(Inspector inspector) { m_inspector = std::move(inspector); }
    void setPasteFolder(const QString& folder) { m_pasteFolder = folder; }
    // PDFs: their pages are attached as images, in order (the app rasterises them; without an
    // expander a PDF is refused with a message).
    void setDocumentExpander(DocumentExpander expander) { m_expander = std::move(expander); }
    // Videos: their poster frame as the thumbnail (the app decodes it; without a reader a video is
    // refused with a message). A question takes images or one video, as GLM-4.6V does.
    void setVideoPosterReader(VideoPosterReader reader) { m_poster = std::move(reader); }
    void setBusy(bool busy);  // Send becomes Stop while an answer streams
    bool busy() const { return m_busy; }

    QString text() const;
    void setText(const QString& text);
    const QList<ImageRef>& images() const { return m_images; }  // read images only, in order of arrival
    void setImages(const QList<ImageRef>& images);
    int pendingCount() const { return int(m_pending.size()); }  // images still being read
    void clear();

    // Accepts image files (URLs) and raw image data; returns how many images were queued.
    int addFromMimeData(const QMimeData* mime);
    // Queues a file for reading; false (and problem()) when it is not a readable file. A file that
    // turns out not to be an image is reported by problem() when its reading finishes.
    bool addImageFile(const QString& path);
    void openFileDialog();
    void paste();  // the clipboard into the question: an image is attached, text is inserted
    // Send now, or as soon as the pending images are read (what Ctrl+Enter and Send do).
    void submit();

Q_SIGNALS:
    void sendRequested();
    void stopRequested();
    void problem(const QString& message);  // unsupported or corrupt input, shown by the window
    void attachmentsSettled();             // no image is pending any more
    void imageActivated(int index);        // a thumbnail was clicked: view images()[index]

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Pending {
        quint64 ticket = 0;
        QString path;
    };
    void apply(const AttachResult& result);
    void append(const AttachResult& result);  // a read image into images(), or its error to problem()
    void applyDocument(quint64 ticket, const QList<AttachResult>& pages, const QString& note, const QString& error);
    void settleIfIdle();  // emits attachmentsSettled (and a waiting send) once nothing is pending
    void rebuildThumbnails();
    void updateSendButton();
    Inspector m_inspector;
    DocumentExpander m_expander;
    VideoPosterReader m_poster;
    QString m_pasteFolder;
    QList<ImageRef> m_images;
    QList<Pending> m_pending;
    quint64 m_nextTicket = 0;
    bool m_sendWhenSettled = false;
    QPlainTextEdit* m_edit = nullptr;
    QPushButton* m_send = nullptr;
    QPushButton* m_attach = nullptr;
    QHBoxLayout* m_thumbs = nullptr;
    QWidget* m_thumbBar = nullptr;
    bool m_busy = false;
    QThreadPool m_pool;  // last member: destroyed (waiting for its jobs) before the rest
};

}  // namespace sightline::ui
