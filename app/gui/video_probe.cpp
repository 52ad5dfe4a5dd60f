#include "video_probe.h"

#include <QDateTime>
#include <QFileInfo>
#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <optional>

#include "chat_store.h"

namespace sightline::app {

namespace {

using Probe = std::shared_future<std::shared_ptr<const VideoSource>>;

struct PathEntry {
    QString stamp;  // size and modification time when probed
    Probe probe;
};

std::mutex g_mutex;
std::map<QString, PathEntry> g_byPath;  // absolute path → probe
std::map<QString, Probe> g_byContent;   // SHA-256 hex → probe
std::atomic<uint64_t> g_probes{0};
constexpr size_t kMaxEntries = 32;

QString fileStamp(const QFileInfo& fi) {
    return QString::number(fi.size()) + QLatin1Char('/') + QString::number(fi.lastModified().toMSecsSinceEpoch());
}

}  // namespace

std::shared_ptr<const VideoSource> probedVideoFile(const QString& path, const QString& sha256) {
    const QFileInfo fi(path);
    // Only a regular file within the probe's size limit is hashed (a FIFO or /dev/zero would never
    // end); anything else goes straight to the probe, which refuses it with the reason.
    if (!fi.isFile() || fi.size() > VideoDecodeOptions{}.maxFileBytes)
        return std::make_shared<const VideoSource>(videoSourceFromFile(path.toStdString()));
    const QString key = fi.absoluteFilePath();
    const QString stamp = fileStamp(fi);
    std::optional<Probe> known;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        const auto it = g_byPath.find(key);
        if (it != g_byPath.end() && it->second.stamp == stamp) known = it->second.probe;
    }
    if (known) return known->get();  // waited for unlocked: another thread may still be scanning
    const QString content = sha256.isEmpty() ? ui::sha256OfFile(path) : sha256;
    std::promise<std::shared_ptr<const VideoSource>> promise;
    Probe probe;
    bool mine = false;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        if (g_byPath.size() >= kMaxEntries || g_byContent.size() >= kMaxEntries) {  // the holders keep their sources
            g_byPath.clear();
            g_byContent.clear();
        }
        auto it = content.isEmpty() ? g_byContent.end() : g_byContent.find(content);
        if (it != g_byContent.end()) {
            probe = it->second;
        } else {
            probe = promise.get_future().share();
            if (!content.isEmpty()) g_byContent.emplace(content, probe);
            mine = true;
        }
        g_byPath.insert_or_assign(key, PathEntry{stamp, probe});
    }
    if (mine) {
        try {
            g_probes.fetch_add(1);
            promise.set_value(std::make_shared<const VideoSource>(videoSourceFromFile(path.toStdString())));
        } catch (...) {
            promise.set_exception(std::current_exception());
        }
    }
    return probe.get();
}

uint64_t videoProbeCount() {
    return g_probes.load();
}

}  // namespace sightline::app
