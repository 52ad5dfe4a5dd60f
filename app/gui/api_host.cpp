#include "api_host.h"

#include "http_server.h"
#include "openai_api.h"

namespace sightline::app {

ApiHost::ApiHost(std::shared_ptr<const InferenceBackend> backend, QObject* parent) : QObject(parent), m_backend(std::move(backend)) {}

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

bool ApiHost::apply(int port, const QString& modelName) {
    if (port == m_port && (port == 0 || modelName == m_modelName)) return true;
    stop();
    if (port <= 0) return true;
    server::ApiOptions o;
    o.modelName = modelName.isEmpty() ? o.modelName : modelName.toStdString();
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
    m_modelName = modelName;
    return true;
}

int ApiHost::port() const {
    return m_port;
}

QString ApiHost::status() const {
    return m_port ? tr("API: http://127.0.0.1:%1/v1").arg(m_port) : tr("API: off");
}

}  // namespace sightline::app
