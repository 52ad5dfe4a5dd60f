#include "util/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "sightline/error.h"

namespace sightline::util {
namespace {

class Fd {
public:
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd() {
        if (m_fd >= 0) ::close(m_fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return m_fd; }

private:
    int m_fd;
};

// Reads the regular file at path into out (a std::string or std::vector<uint8_t>).
template <typename Buffer>
void readRegularFile(const std::string& path, int64_t maxBytes, FileErrors errors, Buffer& out) {
    const bool uniform = errors == FileErrors::Uniform;
    auto refuse = [&](const std::string& detailed) { throwBadInput(uniform ? "cannot read " + path : detailed); };
    // O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting for one; the
    // type check below then refuses it. On a regular file the flag changes nothing.
    Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) refuse("cannot open " + path + " (" + std::strerror(errno) + ")");
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) refuse("cannot read " + path + " (" + std::strerror(errno) + ")");
    if (S_ISDIR(st.st_mode)) refuse(path + " is a folder, not a file");
    if (!S_ISREG(st.st_mode)) refuse(path + " is not a regular file (a device, pipe or socket)");
    const auto size = static_cast<int64_t>(st.st_size);
    if (size > maxBytes)
        throwBadInput(path + " is " + std::to_string(size) + " bytes, over the limit of " + std::to_string(maxBytes) + " bytes");
    out.resize(static_cast<size_t>(size));
    size_t done = 0;
    while (done < out.size()) {  // a file that shrinks meanwhile gives what is left; one that grows, its first size bytes
        const ssize_t n = ::read(fd.get(), reinterpret_cast<char*>(out.data()) + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) refuse("cannot read " + path + " (" + std::strerror(errno) + ")");
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    out.resize(done);
}

}  // namespace

std::string readTextFile(const std::string& path, int64_t maxBytes) {
    std::string text;
    readRegularFile(path, maxBytes, FileErrors::Detailed, text);
    return text;
}

std::vector<uint8_t> readBinaryFile(const std::string& path, int64_t maxBytes, FileErrors errors) {
    std::vector<uint8_t> bytes;
    readRegularFile(path, maxBytes, errors, bytes);
    return bytes;
}

bool fileExists(const std::string& path) {
    std::error_code ec;
    return std::filesystem::is_regular_file(path, ec);
}

std::string joinPath(const std::string& dir, const std::string& name) {
    return (std::filesystem::path(dir) / name).string();
}

std::string dirName(const std::string& path) {
    return std::filesystem::path(path).parent_path().string();
}

}  // namespace sightline::util
