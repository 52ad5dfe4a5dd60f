// The app's local API: an OpenAI-compatible server on 127.0.0.1 over the same backend as the chat
// and the moderation queue (one scheduler queue, round-robin by source). Started, moved or stopped from the
// settings; lives on the GUI thread, serves on its own threads.
#pragma once

#include <QObject>
#include <QString>
#include <memory>

#include "inference_backend.h"

namespace sightline::server {
class ApiService;
class HttpServer;
}  // namespace sightline::server

namespace sightline::app {

class ApiHost : public QObject {
    Q_OBJECT
public:
    explicit ApiHost(std::shared_ptr<const InferenceBackend> backend, QObject* parent = nullptr);
    ~ApiHost() override;
    // 0 stops the server. Returns false (and emits problem) when the port cannot be opened.
    bool apply(int port, const QString& modelName);
    int port() const;
    QString status() const;

Q_SIGNALS:
    void problem(const QString& message);

private:
    void stop();
    std::shared_ptr<const InferenceBackend> m_backend;
    std::unique_ptr<server::ApiService> m_api;
    std::unique_ptr<server::HttpServer> m_http;
    int m_port = 0;
    QString m_modelName;
};

}  // namespace sightline::app
