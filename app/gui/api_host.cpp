#include "api_host.h"

#include "api_key.h"
#include "http_server.h"
#include "openai_api.h"

namespace sightline::app {

ApiHost::ApiHost(std::shared_ptr<const InferenceBackend> backend, QObject* parent, QString keyPath, QString requestLogPath)
    : QObject(parent),
      m_backend(std::move(backend)),
      m_keyPath(keyPath.isEmpty() ? QString::fromStdString(server::defaultApiKeyPath()) : std::move(keyPath)),
      m_requestLogPath(std::move(requestLogPath)) {}

ApiHost::~ApiHost() {
    stop();
}

void ApiHost::stop() {
    if (m_api) m_api->shutdown();
    if (m_http) m_http->stop();  // closes connections, waits for their threads
    m_http.reset();
    m_api.reset();
    m_port = 0;
}

QString ApiHost::apiKey(bool create) {
    try {
        const std::string path = m_keyPath.toStdString();
        return QString::fromStdString(create ? server::loadOrCreateApiKey(path) : server::readApiKey(path));
    } catch (const std::exception& e) {
        Q_EMIT problem(tr("The API key cannot be used: %1").arg(QString::fromStdString(e.what())));
        return {};
    }
}

QString ApiHost::regenerateKey() {
    QString key;
    try {
        key = QString::fromStdString(server::regenerateApiKey(m_keyPath.toStdString()));
    } catch (const std::exception& e) {
        Q_EMIT problem(tr("A new API key could not be written: %1").arg(QString::fromStdString(e.what())));
        return {};
    }
    if (m_port > 0) {
        const int port = m_port;
        stop();
        start(port);  // the same port, the new key
    }
    return key;
}

bool ApiHost::apply(int port, const QString& modelName, bool requestLog) {
    const bool sameKey = port <= 0 || apiKey(false) == m_key;
    if (port == m_port && (port == 0 || (modelName == m_modelName && requestLog == m_requestLog && sameKey))) return true;
    stop();
    m_modelName = modelName;
    m_requestLog = requestLog;
    if (port <= 0) return true;
    return start(port);
}

bool ApiHost::start(int port) {
    const QString key = apiKey(true);  // the first time the API is turned on, its key is made
    if (key.isEmpty()) return false;
    server::ApiOptions o;
    o.modelName = m_modelName.isEmpty() ? o.modelName : m_modelName.toStdString();
    o.auth = std::make_shared<server::ApiAuth>(server::AuthOptions{.apiKey = key.toStdString(), .jwt = std::nullopt});
    if (m_requestLog && !m_requestLogPath.isEmpty())
        o.requestLog = std::make_shared<server::RequestLog>(server::RequestLogOptions{.path = m_requestLogPath.toStdString()});
    auto api = std::make_unique<server::ApiService>(m_backend, o);
    auto http = std::make_unique<server::HttpServer>(
        [a = api.get()](const server::HttpRequest& r, server::HttpResponder& out) { a->handle(r, out); });
    http->setQuickPaths(server::ApiService::quickPaths());  // /health answers on the loop thread, under any load
    try {
        http->start("127.0.0.1", port);
    } catch (const std::exception& e) {
        Q_EMIT problem(tr("The local API could not start: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
    m_api = std::move(api);
    m_http = std::move(http);
    m_port = m_http->port();
    m_key = key;
    return true;
}

int ApiHost::port() const {
    return m_port;
}

QString ApiHost::status() const {
    return m_port ? tr("API: http://127.0.0.1:%1/v1").arg(m_port) : tr("API: off");
}

}  // namespace sightline::app
