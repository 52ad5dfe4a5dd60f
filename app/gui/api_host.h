// The app's local API: an OpenAI-compatible server on 127.0.0.1 over the same backend as the chat
// and the moderation queue (one scheduler queue, round-robin by source). Started, moved or stopped from the
// settings; lives on the GUI thread, serves on its own threads.
//
// The API always needs its key (Authorization: Bearer KEY): the key lives in the same 0600 file as
// `sightline-cli serve`'s (server::defaultApiKeyPath(), or the path given here), is created the
// first time the API is turned on, and is shown, copied and regenerated in Settings. With the
// request log on, every request is written to `requestLogPath` (prompts and outputs masked).
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
    // keyPath "": server::defaultApiKeyPath(). requestLogPath "": the request log cannot be turned on.
    explicit ApiHost(std::shared_ptr<const InferenceBackend> backend, QObject* parent = nullptr, QString keyPath = {},
                     QString requestLogPath = {});
    ~ApiHost() override;
    // 0 stops the server. Returns false (and emits problem) when the port cannot be opened or the
    // key file cannot be read or created.
    bool apply(int port, const QString& modelName, bool requestLog = false);
    int port() const;
    QString status() const;
    // The key clients must send; with create, made now when there is none yet. "" when there is
    // none (or it cannot be read: problem says why).
    QString apiKey(bool create = false);
    // A new key in the key file; a running server is restarted with it at once (clients holding
    // the old key get 401 from then on). "" (and problem) when the file cannot be written.
    QString regenerateKey();
    QString keyPath() const { return m_keyPath; }
    QString requestLogPath() const { return m_requestLogPath; }

Q_SIGNALS:
    void problem(const QString& message);

private:
    void stop();
    bool start(int port);
    std::shared_ptr<const InferenceBackend> m_backend;
    std::unique_ptr<server::ApiService> m_api;
    std::unique_ptr<server::HttpServer> m_http;
    QString m_keyPath;
    QString m_requestLogPath;
    int m_port = 0;
    QString m_modelName;
    bool m_requestLog = false;
    QString m_key;  // the key the running server checks
};

}  // namespace sightline::app
