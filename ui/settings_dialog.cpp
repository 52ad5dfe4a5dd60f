#include "settings_dialog.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSettings>
#include <QSpinBox>

namespace sightline::ui {

namespace {

ApiKeyAccess& keyAccess() {
    static ApiKeyAccess access;  // GUI thread only
    return access;
}

}  // namespace

void setApiKeyAccess(ApiKeyAccess access) {
    keyAccess() = std::move(access);
}

SettingsDialog::SettingsDialog(const GenerationSettings& s, QWidget* parent) : QDialog(parent), m_base(s) {
    setWindowTitle(tr("Settings"));
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setVerticalSpacing(8);
    auto* row = new QHBoxLayout;
    m_modelDir = new QLineEdit(s.modelDir, this);
    m_modelDir->setAccessibleName(tr("Model folder"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    row->addWidget(m_modelDir, 1);
    row->addWidget(browse);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("GLM-4.6V-Flash folder"), m_modelDir->text());
        if (!d.isEmpty()) m_modelDir->setText(d);
    });
    form->addRow(tr("Model folder"), row);
    m_device = new QComboBox(this);
    m_device->addItem(tr("Automatic (GPU if present)"), "auto");
    m_device->addItem(tr("GPU (CUDA)"), "cuda");
    m_device->addItem(tr("CPU"), "cpu");
    m_device->setCurrentIndex(std::max(0, m_device->findData(s.device)));
    form->addRow(tr("Device"), m_device);
    m_dtype = new QComboBox(this);
    m_dtype->addItem(tr("Automatic (bfloat16 on GPU, float32 on CPU)"), "auto");
    for (const char* d : {"bfloat16", "float16", "float32"}) m_dtype->addItem(QString::fromLatin1(d), QString::fromLatin1(d));
    m_dtype->setCurrentIndex(std::max(0, m_dtype->findData(s.dtype)));
    form->addRow(tr("Precision"), m_dtype);
    auto dspin = [this](double lo, double hi, double step, double v, int dec) {
        auto* b = new QDoubleSpinBox(this);
        b->setRange(lo, hi);
        b->setSingleStep(step);
        b->setDecimals(dec);
        b->setValue(v);
        return b;
    };
    m_temperature = dspin(0, 2, 0.05, s.temperature, 2);
    m_temperature->setToolTip(tr("0 = greedy (deterministic)"));
    form->addRow(tr("Temperature"), m_temperature);
    m_topP = dspin(0.01, 1, 0.05, s.topP, 2);
    form->addRow(tr("Top-p"), m_topP);
    m_topK = new QSpinBox(this);
    m_topK->setRange(0, 1000);
    m_topK->setValue(s.topK);
    m_topK->setToolTip(tr("0 = no limit"));
    form->addRow(tr("Top-k"), m_topK);
    m_repetition = dspin(0.5, 2, 0.05, s.repetitionPenalty, 2);
    form->addRow(tr("Repetition penalty"), m_repetition);
    m_maxNew = new QSpinBox(this);
    m_maxNew->setRange(1, 131072);
    m_maxNew->setValue(s.maxNewTokens);
    form->addRow(tr("Max new tokens"), m_maxNew);
    m_seed = new QLineEdit(s.seed >= 0 ? QString::number(s.seed) : QString(), this);
    m_seed->setPlaceholderText(tr("Random"));
    m_seed->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{0,10}")), m_seed));
    m_seed->setToolTip(tr("The same seed, settings and question give the same answer. Empty: a new random seed for every answer."));
    m_seed->setAccessibleName(tr("Seed"));
    form->addRow(tr("Seed"), m_seed);
    m_system = new QPlainTextEdit(s.systemPrompt, this);
    m_system->setMaximumHeight(80);
    form->addRow(tr("Default system prompt"), m_system);
    m_thinking = new QCheckBox(tr("Let the model think before answering"), this);
    m_thinking->setChecked(s.thinking);
    form->addRow(tr("Thinking"), m_thinking);
    m_maxPixels = new QSpinBox(this);
    m_maxPixels->setRange(0, 9634);
    m_maxPixels->setSuffix(tr(" kpx"));
    m_maxPixels->setSpecialValueText(tr("Model default"));
    m_maxPixels->setValue(static_cast<int>(s.maxImagePixels / 1000));
    m_maxPixels->setToolTip(tr("Upper bound on pixels per image (x2 frames) sent to the vision encoder"));
    form->addRow(tr("Max image pixels"), m_maxPixels);
    m_maxVideoPixels = new QSpinBox(this);
    m_maxVideoPixels->setRange(0, 100000);
    m_maxVideoPixels->setSuffix(tr(" Mpx"));
    m_maxVideoPixels->setSpecialValueText(tr("Model default"));
    m_maxVideoPixels->setValue(static_cast<int>(s.maxVideoPixels / 1000000));
    m_maxVideoPixels->setToolTip(
        tr("Upper bound on the pixels of all sampled frames of a video together: lower it to make a long video cost fewer tokens"));
    form->addRow(tr("Max video pixels"), m_maxVideoPixels);
    m_imageResize = new QComboBox(this);
    m_imageResize->addItem(tr("torchvision (as transformers and vLLM)"), QStringLiteral("torchvision"));
    m_imageResize->addItem(tr("PIL"), QStringLiteral("pil"));
    m_imageResize->setCurrentIndex(std::max(0, m_imageResize->findData(s.imageResize)));
    m_imageResize->setToolTip(
        tr("How images are resized before the vision encoder: the two backends of the transformers image "
           "processor give pixels that differ by a few levels"));
    form->addRow(tr("Image resize"), m_imageResize);
    m_language = new QComboBox(this);
    m_language->addItem(tr("System"), "");
    m_language->addItem(QStringLiteral("English"), "en");
    m_language->addItem(QStringLiteral("简体中文"), "zh_CN");
    m_language->setCurrentIndex(std::max(0, m_language->findData(s.language)));
    form->addRow(tr("Language (after restart)"), m_language);
    m_themeBefore = currentTheme();
    m_theme = new QComboBox(this);
    m_theme->setAccessibleName(tr("Theme"));
    m_theme->addItem(tr("System"), themeKey(Theme::System));
    m_theme->addItem(tr("Light"), themeKey(Theme::Light));
    m_theme->addItem(tr("Dark"), themeKey(Theme::Dark));
    m_theme->setCurrentIndex(std::max(0, m_theme->findData(themeKey(m_themeBefore))));
    connect(m_theme, &QComboBox::currentIndexChanged, this, [this] { applyTheme(theme()); });  // live preview
    form->addRow(tr("Theme"), m_theme);
    m_apiPort = new QSpinBox(this);
    m_apiPort->setRange(0, 65535);
    m_apiPort->setSpecialValueText(tr("Off"));
    m_apiPort->setValue(s.apiPort);
    m_apiPort->setAccessibleName(tr("Local API port"));
    m_apiPort->setToolTip(
        tr("Serve an OpenAI-compatible API (/v1/chat/completions) on 127.0.0.1 at this port. "
           "Its requests share the queue with the chat and the moderation queue."));
    form->addRow(tr("Local API port"), m_apiPort);
    // The key clients send as Authorization: Bearer KEY; made the first time the API is turned on.
    auto* keyRow = new QHBoxLayout;
    m_apiKey = new QLineEdit(this);
    m_apiKey->setReadOnly(true);
    m_apiKey->setEchoMode(QLineEdit::Password);
    m_apiKey->setAccessibleName(tr("API key"));
    m_apiKey->setPlaceholderText(tr("Made when the API is turned on"));
    m_showKey = new QPushButton(tr("Show"), this);
    m_showKey->setCheckable(true);
    m_copyKey = new QPushButton(tr("Copy"), this);
    m_regenerateKey = new QPushButton(tr("Regenerate"), this);
    m_regenerateKey->setToolTip(tr("Replace the key at once: clients that still send the old one are refused"));
    keyRow->addWidget(m_apiKey, 1);
    keyRow->addWidget(m_showKey);
    keyRow->addWidget(m_copyKey);
    keyRow->addWidget(m_regenerateKey);
    form->addRow(tr("API key"), keyRow);
    connect(m_showKey, &QPushButton::toggled, this, [this](bool on) {
        m_apiKey->setEchoMode(on ? QLineEdit::Normal : QLineEdit::Password);
        m_showKey->setText(on ? tr("Hide") : tr("Show"));
    });
    connect(m_copyKey, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_apiKey->text()); });
    connect(m_regenerateKey, &QPushButton::clicked, this, [this] {
        if (keyAccess().regenerate) showApiKey(keyAccess().regenerate());
    });
    connect(m_apiPort, &QSpinBox::valueChanged, this, [this](int port) {
        if (port > 0 && m_apiKey->text().isEmpty() && keyAccess().current) showApiKey(keyAccess().current(true));
    });
    showApiKey(keyAccess().current ? keyAccess().current(s.apiPort > 0) : QString());
    m_apiLog = new QCheckBox(tr("Keep a request log (personal data in prompts and answers masked)"), this);
    m_apiLog->setChecked(s.apiRequestLog);
    m_apiLog->setAccessibleName(tr("API request log"));
    form->addRow(tr("API request log"), m_apiLog);
    // Backend: the local engine or a remote OpenAI-compatible server (docs/scale-out.md).
    const BackendSettings backend = loadBackendSettings();
    auto* backendForm = new QFormLayout;
    backendForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_backendKind = new QComboBox(this);
    m_backendKind->setAccessibleName(tr("Backend"));
    m_backendKind->addItem(tr("Local engine (this computer)"), false);
    m_backendKind->addItem(tr("Remote server (OpenAI-compatible: vLLM, SGLang, sightline serve)"), true);
    m_backendKind->setCurrentIndex(backend.remote ? 1 : 0);
    backendForm->addRow(tr("Backend (after restart)"), m_backendKind);
    m_remoteBox = new QGroupBox(tr("Remote server"), this);
    auto* remoteForm = new QFormLayout(m_remoteBox);
    remoteForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_remoteUrl = new QLineEdit(backend.url, m_remoteBox);
    m_remoteUrl->setPlaceholderText(QStringLiteral("http://gpu-host:8000/v1"));
    m_remoteUrl->setAccessibleName(tr("Remote server URL"));
    remoteForm->addRow(tr("URL (/v1 base)"), m_remoteUrl);
    m_remoteKey = new QLineEdit(backend.apiKey, m_remoteBox);
    m_remoteKey->setEchoMode(QLineEdit::Password);
    m_remoteKey->setPlaceholderText(tr("None, or $SIGHTLINE_REMOTE_API_KEY"));
    m_remoteKey->setAccessibleName(tr("Remote API key"));
    remoteForm->addRow(tr("API key"), m_remoteKey);
    m_remoteModel = new QLineEdit(backend.model, m_remoteBox);
    m_remoteModel->setPlaceholderText(tr("The first model the server lists"));
    m_remoteModel->setAccessibleName(tr("Remote model"));
    remoteForm->addRow(tr("Model"), m_remoteModel);
    m_remoteBox->setEnabled(backend.remote);
    connect(m_backendKind, &QComboBox::currentIndexChanged, this,
            [this] { m_remoteBox->setEnabled(m_backendKind->currentData().toBool()); });
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* v = new QVBoxLayout(this);
    v->addLayout(form);
    v->addLayout(backendForm);
    v->addWidget(m_remoteBox);
    v->addWidget(buttons);
}

GenerationSettings SettingsDialog::settings() const {
    GenerationSettings s = m_base;
    s.modelDir = m_modelDir->text().trimmed();
    s.device = m_device->currentData().toString();
    s.dtype = m_dtype->currentData().toString();
    s.temperature = m_temperature->value();
    s.topP = m_topP->value();
    s.topK = m_topK->value();
    s.repetitionPenalty = m_repetition->value();
    s.maxNewTokens = m_maxNew->value();
    s.systemPrompt = m_system->toPlainText();
    s.thinking = m_thinking->isChecked();
    s.maxImagePixels = qint64(m_maxPixels->value()) * 1000;
    s.maxVideoPixels = qint64(m_maxVideoPixels->value()) * 1000000;
    s.imageResize = m_imageResize->currentData().toString();
    s.language = m_language->currentData().toString();
    s.apiPort = m_apiPort->value();
    s.apiRequestLog = m_apiLog->isChecked();
    bool ok = false;
    const qint64 seed = m_seed->text().trimmed().toLongLong(&ok);
    s.seed = ok && seed >= 0 ? std::min<qint64>(seed, 0xFFFFFFFFll) : -1;
    return s;
}

void SettingsDialog::showApiKey(const QString& key) {
    m_apiKey->setText(key);
    m_copyKey->setEnabled(!key.isEmpty());
    m_showKey->setEnabled(!key.isEmpty());
    m_regenerateKey->setEnabled(!key.isEmpty() && bool(keyAccess().regenerate));
}

Theme SettingsDialog::theme() const {
    return themeFromKey(m_theme->currentData().toString());
}

BackendSettings SettingsDialog::backendSettings() const {
    BackendSettings b;
    b.remote = m_backendKind->currentData().toBool();
    b.url = m_remoteUrl->text().trimmed();
    b.apiKey = m_remoteKey->text().trimmed();
    b.model = m_remoteModel->text().trimmed();
    return b;
}

void SettingsDialog::done(int result) {
    if (result == QDialog::Accepted) saveBackendSettings(backendSettings());
    if (result != QDialog::Accepted && theme() != m_themeBefore) applyTheme(m_themeBefore);
    QDialog::done(result);
}

GenerationSettings loadSettings() {
    QSettings q;
    GenerationSettings s;
    s = GenerationSettings::fromJson(QJsonObject::fromVariantMap(q.value(QStringLiteral("generation")).toMap()));
    return s;
}

void saveSettings(const GenerationSettings& s) {
    QSettings q;
    q.setValue(QStringLiteral("generation"), s.toJson().toVariantMap());
}

BackendSettings loadBackendSettings() {
    QSettings q;
    BackendSettings b;
    b.remote = q.value(QStringLiteral("backend/remote"), false).toBool();
    b.url = q.value(QStringLiteral("backend/url")).toString();
    b.apiKey = q.value(QStringLiteral("backend/api_key")).toString();
    b.model = q.value(QStringLiteral("backend/model")).toString();
    return b;
}

void saveBackendSettings(const BackendSettings& b) {
    QSettings q;
    q.setValue(QStringLiteral("backend/remote"), b.remote);
    q.setValue(QStringLiteral("backend/url"), b.url);
    q.setValue(QStringLiteral("backend/api_key"), b.apiKey);
    q.setValue(QStringLiteral("backend/model"), b.model);
}

}  // namespace sightline::ui
