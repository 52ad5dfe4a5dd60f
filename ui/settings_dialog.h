// Settings: model folder, device, dtype, sampling, max new tokens, default system prompt,
// thinking, image budget, seed, language, theme, and the local API (port, its key — masked, Show,
// Copy, Regenerate — and the request log switch). Values persist with QSettings (see loadSettings /
// saveSettings; the theme with loadTheme / saveTheme). The theme is previewed live while the dialog
// is open and restored on Cancel.
#pragma once

#include <QDialog>
#include <functional>

#include "chat_types.h"
#include "theme.h"

class QLineEdit;
class QComboBox;
class QDoubleSpinBox;
class QSpinBox;
class QPlainTextEdit;
class QCheckBox;
class QGroupBox;
class QPushButton;

namespace sightline::ui {

// How the dialog reaches the API key: ui/ knows no key file, the app's ApiHost does. current(create)
// gives the key ("" when there is none; create: make it now), regenerate() replaces it and returns
// the new one. Set once on the GUI thread at startup (main.cpp); unset, the key row stays empty.
struct ApiKeyAccess {
    std::function<QString(bool create)> current;
    std::function<QString()> regenerate;
};
void setApiKeyAccess(ApiKeyAccess access);

// Which backend answers the app's requests (QSettings group "backend"; read at start, so a change
// applies after a restart): the local engine, or a remote OpenAI-compatible server (vLLM, SGLang,
// sightline-cli serve) named by its /v1 base URL, API key (empty: $SIGHTLINE_REMOTE_API_KEY) and
// model (empty: the first it lists). The key is kept in the user's settings file, as the app's own.
struct BackendSettings {
    bool remote = false;
    QString url;
    QString apiKey;
    QString model;
};
BackendSettings loadBackendSettings();
void saveBackendSettings(const BackendSettings& settings);

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(const GenerationSettings& settings, QWidget* parent = nullptr);
    GenerationSettings settings() const;
    Theme theme() const;
    BackendSettings backendSettings() const;

protected:
    void done(int result) override;  // Cancel puts the theme back; OK saves the backend choice

private:
    GenerationSettings m_base;
    QLineEdit* m_modelDir = nullptr;
    QComboBox* m_device = nullptr;
    QComboBox* m_dtype = nullptr;
    QDoubleSpinBox* m_temperature = nullptr;
    QDoubleSpinBox* m_topP = nullptr;
    QSpinBox* m_topK = nullptr;
    QDoubleSpinBox* m_repetition = nullptr;
    QSpinBox* m_maxNew = nullptr;
    QPlainTextEdit* m_system = nullptr;
    QCheckBox* m_thinking = nullptr;
    QSpinBox* m_maxPixels = nullptr;       // in thousands of pixels
    QSpinBox* m_maxVideoPixels = nullptr;  // in millions of pixels, all frames of a video together
    QComboBox* m_imageResize = nullptr;
    QComboBox* m_language = nullptr;
    QSpinBox* m_apiPort = nullptr;
    QLineEdit* m_apiKey = nullptr;  // read-only, masked until Show
    QPushButton* m_showKey = nullptr;
    QPushButton* m_copyKey = nullptr;
    QPushButton* m_regenerateKey = nullptr;
    QCheckBox* m_apiLog = nullptr;
    void showApiKey(const QString& key);
    QLineEdit* m_seed = nullptr;  // empty: random
    QComboBox* m_theme = nullptr;
    Theme m_themeBefore = Theme::System;
    // Backend block (its own group box): local engine or remote server.
    QComboBox* m_backendKind = nullptr;
    QGroupBox* m_remoteBox = nullptr;
    QLineEdit* m_remoteUrl = nullptr;
    QLineEdit* m_remoteKey = nullptr;
    QLineEdit* m_remoteModel = nullptr;
};

GenerationSettings loadSettings();
void saveSettings(const GenerationSettings& settings);

}  // namespace sightline::ui
