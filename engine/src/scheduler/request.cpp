#include "scheduler/request.h"

#include <algorithm>
#include <chrono>

namespace sightline {

PreparedRequest prepareRequest(const Model& model, const std::vector<ChatMessage>& messages, const GenerationParams& params,
                               const std::atomic<bool>* cancel) {
    const ModelConfig& c = model.config();
    PreparedRequest r;
    r.ids = model.promptIds(messages, params, &r.images, cancel);
    const auto n = static_cast<int64_t>(r.ids.size());
    if (n >= c.text.maxPositionEmbeddings) throw ContextOverflowError(n, c.text.maxPositionEmbeddings);
    r.maxNew = std::max<int64_t>(0, std::min(params.maxNewTokens, c.text.maxPositionEmbeddings - n));
    for (const auto& im : r.images) r.grids.push_back({im.gridT, im.gridH, im.gridW});
    r.rope = glm4vRopeIndex(r.ids, r.grids, c);
    return r;
}

void Request::prepare(const Model& model, const std::vector<ChatMessage>& messages, const GenerationParams& params, TokenCallback onToken,
                      const std::atomic<bool>* cancel, Sequence::Clock::time_point start) {
    prompt = prepareRequest(model, messages, params, cancel);
    caller = params.caller;
    // A client's callback must not take the batch down with it: the Sequence catches what it
    // throws and the request fails with that message.
    seq =
        std::make_unique<Sequence>(model.config(), model.tokenizer(), params, prompt.ids, prompt.maxNew, std::move(onToken), cancel, start);
    RequestStats& st = seq->stats();
    st.device = model.deviceName();
    st.preprocessMs = std::chrono::duration<double, std::milli>(Sequence::Clock::now() - start).count();
    for (const auto& im : prompt.images) st.imageTokens += im.numTokens;
    useImageCache = params.useImageCache;
    usePrefixCache = params.usePrefixCache;
}

int64_t Request::cacheNeed() const {
    return static_cast<int64_t>(prompt.ids.size()) + std::max<int64_t>(prompt.maxNew, 1);
}

void Request::cancelUnadmitted() {
    seq->markCancelled();
    promise.set_value(seq->finish(0));
}

}  // namespace sightline
