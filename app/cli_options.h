// Minimal command-line parsing shared by sightline-cli and sightline-bench: "--name value",
// "--flag", repeated options, positionals. Unknown options are errors.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "remote_backend.h"
#include "sightline/engine.h"

namespace sightline::cli {

class Args {
public:
    // valueOptions take a value; flags do not. Throws Error(BadInput) on unknown / incomplete options.
    Args(int argc, char** argv, int first, const std::set<std::string>& valueOptions, const std::set<std::string>& flags);

    bool flag(const std::string& name) const { return m_flags.count(name) > 0; }
    std::optional<std::string> value(const std::string& name) const;
    std::vector<std::string> values(const std::string& name) const;
    // Every value of a repeatable option, each split at commas ("--x a,b --x c" → a, b, c), empty parts dropped.
    std::vector<std::string> list(const std::string& name) const;
    std::string required(const std::string& name) const;
    double number(const std::string& name, double fallback) const;
    long long integer(const std::string& name, long long fallback) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }

private:
    std::multimap<std::string, std::string> m_values;
    std::set<std::string> m_flags;
    std::vector<std::string> m_positionals;
};

// --model, --device (default `defaultDevice`), --dtype (default auto: autoDType of the device) and --quantize,
// shared by sightline-cli and sightline-bench. Throws Error(BadInput) for values it does not know.
LoadOptions loadOptionsFromArgs(const Args& args, const std::string& defaultDevice);
// --image-resize torchvision|pil (default kDefaultImageResize): which of transformers' image-processor
// backends the pixels reproduce.
ImageResize imageResizeFromArgs(const Args& args);

// The options of a remote OpenAI-compatible server (docs/scale-out.md), for every command that can
// use one instead of the local engine.
inline const std::set<std::string> kRemoteOptions = {"--remote",         "--remote-api-key", "--remote-model",  "--remote-concurrency",
                                                     "--remote-timeout", "--remote-retries", "--remote-ca-file"};
// nullopt without --remote. The key: --remote-api-key, else (when apiKeyNamesRemote: ask, moderate,
// bench, where the issue's --api-key means the remote's key) --api-key, else $SIGHTLINE_REMOTE_API_KEY.
// `serve` passes false: there --api-key is the local server's own key. Throws Error(BadInput).
std::optional<app::RemoteOptions> remoteOptionsFromArgs(const Args& args, bool apiKeyNamesRemote);

}  // namespace sightline::cli
