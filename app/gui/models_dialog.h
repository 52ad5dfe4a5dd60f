// File → Models…: the models folder (name, size, parameters and dtype, where it came from, verified
// or not), pulling a checkpoint from Hugging Face or ModelScope with per-file and total progress,
// speed and ETA (app/models/hub.h: resumable, verified), importing a folder, deleting, and "will it
// fit?" for the current settings (sightline/checkpoint.h) before loading one with "Use".
//
// Threads: the pull and the fit check run on threads of their own; what they report reaches the
// dialog through queued calls guarded by a QPointer (a closed dialog receives nothing). Closing the
// dialog cancels a pull in progress (it continues where it stopped next time) and waits for its
// thread (about a second at most: libcurl's progress callback polls the flag).
#pragma once

#include <QDialog>
#include <atomic>
#include <memory>
#include <thread>

#include "chat_types.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTreeWidget;

namespace sightline::app {

struct PullProgress;

class ModelsDialog : public QDialog {
    Q_OBJECT
public:
    ModelsDialog(const ui::GenerationSettings& settings, QWidget* parent = nullptr);
    ~ModelsDialog() override;

    QString modelsFolder() const { return m_root; }
    bool pulling() const { return m_worker.joinable() && !m_pullDone; }

public Q_SLOTS:
    void refresh();
    void startPull();
    void cancelPull();
    void checkSelected();
    void importFolder(const QString& dir = QString());  // asks for the folder when dir is empty
    void deleteSelected();
    // Where the dialog keeps models (remembered in QSettings "modelsFolder"; $SIGHTLINE_MODELS_DIR wins).
    void setModelsFolder(const QString& dir);

Q_SIGNALS:
    void useModel(const QString& dir);  // "Use": load this folder
    void pullFinished(bool ok, const QString& message);
    void checkFinished(const QString& report);
    void importFinished(bool ok, const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QString selectedDir() const;
    void showProgress(const PullProgress& p);
    void pullEnded(bool ok, const QString& message, const QString& dir);
    void updateButtons();

    ui::GenerationSettings m_settings;
    QString m_root;
    QLabel* m_folderLabel = nullptr;
    QTableWidget* m_table = nullptr;
    QPushButton* m_use = nullptr;
    QPushButton* m_check = nullptr;
    QPushButton* m_delete = nullptr;
    QPushButton* m_import = nullptr;
    QLineEdit* m_repo = nullptr;
    QComboBox* m_source = nullptr;
    QPushButton* m_pull = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_total = nullptr;
    QLabel* m_status = nullptr;
    QTreeWidget* m_files = nullptr;
    QPlainTextEdit* m_report = nullptr;
    std::thread m_worker;
    std::thread m_checker;  // the last fit check (joined before the next one and on close)
    std::shared_ptr<std::atomic<bool>> m_cancelFlag;
    bool m_pullDone = true;
};

}  // namespace sightline::app
