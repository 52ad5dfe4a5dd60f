#include "model_store.h"

#include <ftw.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>

#include <unistd.h>

#include "sightline/error.h"

namespace sightline::app {

namespace fs = std::filesystem;

namespace {

bool plainName(const std::string& n) {
    return !n.empty() && n.size() <= 200 && n[0] != '.' && n.find('/') == std::string::npos && n.find('\\') == std::string::npos;
}

int removeEntry(const char* path, const struct stat*, int flag, struct FTW*) {
    return (flag == FTW_DP ? ::rmdir(path) : ::unlink(path)) == 0 ? 0 : errno;
}

// Deletes a folder tree without following symbolic links. Not std::filesystem::remove_all: the
// libtorch this program links exports its own copy of that symbol, which crashes when called here.
void removeTree(const fs::path& dir, std::error_code& ec) {
    ec.clear();
    if (::access(dir.c_str(), F_OK) != 0) return;
    const int rc = ::nftw(dir.c_str(), removeEntry, 16, FTW_DEPTH | FTW_PHYS);
    if (rc != 0) ec = std::error_code(rc > 0 ? rc : errno, std::generic_category());
}

}  // namespace

std::string defaultModelsDir() {
    if (const char* d = std::getenv("SIGHTLINE_MODELS_DIR"); d && *d) return d;
    // fs::path joins rather than std::string's operator+, which GCC 12 misreads here (-Wrestrict, a
    // false positive that -Werror in the CUDA check turns into an error).
    fs::path base;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
        base = x;
    else if (const char* h = std::getenv("HOME"); h && *h)
        base = fs::path(h) / ".local" / "share";
    else
        base = ".";
    return (base / "Sightline" / "Sightline" / "models").string();
}

std::string folderNameForRepo(const std::string& repo) {
    std::string out;
    for (size_t i = 0; i < repo.size(); ++i) out += repo[i] == '/' ? std::string("--") : std::string(1, repo[i]);
    return out;
}

std::vector<LocalModel> listLocalModels(const std::string& root) {
    std::vector<LocalModel> out;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) return out;
    for (const auto& e : fs::directory_iterator(root, ec)) {
        if (!e.is_directory(ec) || e.path().filename().string().front() == '.') continue;
        LocalModel m;
        m.name = e.path().filename().string();
        m.dir = e.path().string();
        m.hasConfig = fs::exists(e.path() / "config.json", ec);
        m.downloading = fs::exists(e.path() / kDownloadFolder, ec);
        m.hasOrigin = readModelOrigin(m.dir, &m.origin);
        if (!m.hasConfig && !m.hasOrigin && !m.downloading) continue;
        for (const auto& f : fs::recursive_directory_iterator(e.path(), fs::directory_options::skip_permission_denied, ec))
            if (f.is_regular_file(ec)) m.bytes += int64_t(f.file_size(ec));
        out.push_back(std::move(m));
    }
    std::sort(out.begin(), out.end(), [](const LocalModel& a, const LocalModel& b) { return a.name < b.name; });
    return out;
}

std::string resolveModelDir(const std::string& root, const std::string& nameOrPath) {
    std::error_code ec;
    if (plainName(nameOrPath) && fs::is_directory(fs::path(root) / nameOrPath, ec) && !fs::is_directory(nameOrPath, ec))
        return (fs::path(root) / nameOrPath).string();
    return nameOrPath;
}

void importModel(const std::string& src, const std::string& root, const std::string& name,
                 const std::function<void(const std::string&, int64_t, int64_t)>& onProgress, const std::atomic<bool>* cancel) {
    if (!plainName(name)) throwBadInput("\"" + name + "\" is not a model name (a folder name without '/')");
    std::error_code ec;
    if (!fs::is_directory(src, ec)) throwBadInput(src + " is not a folder");
    const fs::path dest = fs::path(root) / name;
    if (fs::exists(dest, ec)) throwBadInput(dest.string() + " already exists (choose another --name or remove it first)");
    std::vector<fs::path> files;
    int64_t total = 0;
    for (const auto& e : fs::directory_iterator(src, ec)) {
        if (!e.is_regular_file(ec) || !engineNeedsFile(e.path().filename().string())) continue;
        files.push_back(e.path());
        total += int64_t(e.file_size(ec));
    }
    const fs::path tmp = fs::path(root) / ("." + name + ".importing");
    removeTree(tmp, ec);
    fs::create_directories(tmp, ec);
    if (ec) throwBadInput("cannot create " + tmp.string() + ": " + ec.message());
    ModelOrigin origin;
    origin.source = "import";
    origin.repo = fs::absolute(src, ec).string();
    origin.when = isoUtcNow();
    origin.verified = false;
    int64_t done = 0;
    try {
        std::vector<char> buf(1 << 20);
        for (const auto& p : files) {
            std::ifstream in(p, std::ios::binary);
            std::ofstream out(tmp / p.filename(), std::ios::binary | std::ios::trunc);
            if (!in || !out) throwBadInput("cannot copy " + p.string() + " to " + tmp.string());
            std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
            EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
            RemoteFile rf;
            rf.path = p.filename().string();
            rf.size = 0;
            while (in) {
                if (cancel && cancel->load()) throw Error(ErrorKind::Cancelled, "the import was stopped; nothing was kept");
                in.read(buf.data(), std::streamsize(buf.size()));
                const auto n = in.gcount();
                if (n <= 0) break;
                EVP_DigestUpdate(ctx.get(), buf.data(), size_t(n));
                if (!out.write(buf.data(), n)) throwBadInput("cannot write " + (tmp / p.filename()).string() + " (is the disk full?)");
                rf.size += n;
                done += n;
                if (onProgress) onProgress(rf.path, done, total);
            }
            if (!out.flush()) throwBadInput("cannot write " + (tmp / p.filename()).string() + " (is the disk full?)");
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned len = 0;
            EVP_DigestFinal_ex(ctx.get(), md, &len);
            char hex[3];
            for (unsigned i = 0; i < len; ++i) {
                std::snprintf(hex, sizeof hex, "%02x", md[i]);
                rf.sha256 += hex;
            }
            origin.files.push_back(rf);
        }
        writeModelOrigin(tmp.string(), origin);
        fs::rename(tmp, dest, ec);
        if (ec) throwBadInput("cannot move " + tmp.string() + " to " + dest.string() + ": " + ec.message());
    } catch (...) {
        std::error_code rec;
        removeTree(tmp, rec);
        throw;
    }
}

void removeModel(const std::string& root, const std::string& name) {
    if (!plainName(name)) throwBadInput("\"" + name + "\" is not a model name in " + root);
    const fs::path dir = fs::path(root) / name;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throwBadInput("no model \"" + name + "\" in " + root);
    if (!fs::exists(dir / "config.json", ec) && !fs::exists(dir / kModelOriginFile, ec) && !fs::exists(dir / kDownloadFolder, ec))
        throwBadInput(dir.string() + " does not look like a model folder; not removed");
    removeTree(dir, ec);
    if (ec) throwBadInput("cannot remove " + dir.string() + ": " + ec.message());
}

}  // namespace sightline::app
