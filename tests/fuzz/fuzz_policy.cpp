// A moderation policy file → loadPolicy (JSON when it starts with '{', else plain text). First
// byte: even → policy.json, odd → policy.txt; the rest is the file. A policy that loads must also
// render, save and load back to the same name, prompt and rules (the app saves what it loaded).
#include "fuzz_support.h"
#include "moderation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    if (size < 1) return 0;
    const std::string path = fuzz::writeScratch(data[0] % 2 ? "policy.txt" : "policy.json", fuzz::asText(data + 1, size - 1));
    moderation::Policy p;
    try {
        p = moderation::loadPolicy(path);
    } catch (const Error&) {
        return 0;  // refused: fine
    } catch (const nlohmann::json::exception&) {
        return 0;  // refused by the JSON library (e.g. a "name" that is not a string): fine
    }
    (void)p.render();
    const std::string saved = fuzz::scratchDir() + "/saved.json";
    moderation::savePolicy(p, saved);  // any exception here is a finding: a loaded policy must save
    const moderation::Policy q = moderation::loadPolicy(saved);
    if (q.name != p.name || q.systemPrompt != p.systemPrompt || q.rules != p.rules) {
        fprintf(stderr, "policy changed in a save/load round trip\n");
        std::abort();
    }
    return 0;
}
