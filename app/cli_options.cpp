#include "cli_options.h"

#include <algorithm>
#include <cstdlib>

#include "sightline/error.h"
#include "sightline/request_rules.h"

namespace sightline::cli {

Args::Args(int argc, char** argv, int first, const std::set<std::string>& valueOptions, const std::set<std::string>& flags) {
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--") {
            for (++i; i < argc; ++i) m_positionals.emplace_back(argv[i]);
            break;
        }
        if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.'))) {
            std::string name = a, val;
            bool hasInline = false;
            if (auto eq = a.find('='); eq != std::string::npos) {
                name = a.substr(0, eq);
                val = a.substr(eq + 1);
                hasInline = true;
            }
            if (flags.count(name)) {
                m_flags.insert(name);
            } else if (valueOptions.count(name)) {
                if (!hasInline) {
                    if (i + 1 >= argc) throwBadInput("option " + name + " needs a value");
                    val = argv[++i];
                }
                m_values.emplace(name, val);
            } else {
                throwBadInput("unknown option " + name);
            }
        } else {
            m_positionals.push_back(a);
        }
    }
}

std::optional<std::string> Args::value(const std::string& name) const {
    auto range = m_values.equal_range(name);
    if (range.first == range.second) return std::nullopt;
    return std::prev(range.second)->second;  // the last one wins
}

std::vector<std::string> Args::values(const std::string& name) const {
    std::vector<std::string> out;
    for (auto [it, end] = m_values.equal_range(name); it != end; ++it) out.push_back(it->second);
    return out;
}

std::vector<std::string> Args::list(const std::string& name) const {
    std::vector<std::string> out;
    for (const std::string& v : values(name)) {
        size_t at = 0;
        while (at <= v.size()) {
            const size_t comma = std::min(v.find(',', at), v.size());
            if (comma > at) out.push_back(v.substr(at, comma - at));
            at = comma + 1;
        }
    }
    return out;
}

std::string Args::required(const std::string& name) const {
    auto v = value(name);
    if (!v) throwBadInput("missing required option " + name);
    return *v;
}

double Args::number(const std::string& name, double fallback) const {
    auto v = value(name);
    if (!v) return fallback;
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    if (end == v->c_str() || *end != '\0') throwBadInput("option " + name + " expects a number, got \"" + *v + "\"");
    return d;
}

long long Args::integer(const std::string& name, long long fallback) const {
    auto v = value(name);
    if (!v) return fallback;
    char* end = nullptr;
    const long long n = std::strtoll(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0') throwBadInput("option " + name + " expects an integer, got \"" + *v + "\"");
    return n;
}

LoadOptions loadOptionsFromArgs(const Args& a, const std::string& defaultDevice) {
    LoadOptions o;
    o.modelDir = a.required("--model");
    const std::string dev = a.value("--device").value_or(defaultDevice);
    auto d = parseDevice(dev);
    if (!d) throwBadInput("--device must be cpu or cuda, got \"" + dev + "\"");
    o.device = *d;
    const std::string dt = a.value("--dtype").value_or("auto");
    auto t = resolveDType(dt, o.device);
    if (!t) throwBadInput("--dtype must be auto, float32, bfloat16 or float16, got \"" + dt + "\"");
    o.dtype = *t;
    if (auto q = a.value("--quantize")) {
        if (*q != "int8") throwBadInput("--quantize supports int8");
        o.int8Weights = true;
    }
    o.imageResize = imageResizeFromArgs(a);
    return o;
}

ImageResize imageResizeFromArgs(const Args& a) {
    ImageResize r = kDefaultImageResize;
    if (auto v = a.value("--image-resize"); v && !parseImageResize(*v, &r))
        throwBadInput("--image-resize must be torchvision (transformers 5's default backend) or pil, got \"" + *v + "\"");
    return r;
}

std::optional<app::RemoteOptions> remoteOptionsFromArgs(const Args& a, bool apiKeyNamesRemote) {
    const auto url = a.value("--remote");
    if (!url) {
        for (const auto& name : kRemoteOptions)
            if (a.value(name)) throwBadInput(name + " needs --remote URL");
        if (apiKeyNamesRemote && a.value("--api-key")) throwBadInput("--api-key (the remote server's key) needs --remote URL");
        return std::nullopt;
    }
    app::RemoteOptions o;
    o.baseUrl = app::normalizeBaseUrl(*url);
    if (auto k = a.value("--remote-api-key"))
        o.apiKey = *k;
    else if (auto k2 = apiKeyNamesRemote ? a.value("--api-key") : std::nullopt)
        o.apiKey = *k2;
    else if (const char* env = std::getenv("SIGHTLINE_REMOTE_API_KEY"))
        o.apiKey = env;
    if (o.apiKey.find_first_of("\r\n") != std::string::npos) throwBadInput("the remote API key contains a line break");
    o.model = a.value("--remote-model").value_or("");
    o.caFile = a.value("--remote-ca-file").value_or("");
    const long long n = a.integer("--remote-concurrency", o.concurrency);
    if (n < 1 || n > 1024) throwBadInput("--remote-concurrency must be between 1 and 1024");
    o.concurrency = static_cast<int>(n);
    o.timeoutS = a.number("--remote-timeout", o.timeoutS);
    if (!(o.timeoutS > 0 && o.timeoutS <= 86400)) throwBadInput("--remote-timeout must be between 0 and 86400 seconds");
    const long long r = a.integer("--remote-retries", o.maxRetries);
    if (r < 0 || r > 100) throwBadInput("--remote-retries must be between 0 and 100");
    o.maxRetries = static_cast<int>(r);
    return o;
}

}  // namespace sightline::cli
