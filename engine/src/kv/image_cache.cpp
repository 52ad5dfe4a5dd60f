#include "kv/image_cache.h"

#include <cstring>

namespace sightline {

uint64_t imageKey(const PreprocessedImage& im) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(im.gridT * 1000003 + im.gridH * 1009 + im.gridW);
    const auto* bytes = reinterpret_cast<const unsigned char*>(im.pixelValues.data());
    const size_t n = im.pixelValues.size() * sizeof(float);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, bytes + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    for (; i < n; ++i) h = (h ^ bytes[i]) * 0x94D049BB133111EBull;
    return h ^ (h >> 29);
}

at::Tensor ImageCache::find(uint64_t key) {
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it)
        if (it->first == key) {
            m_entries.splice(m_entries.begin(), m_entries, it);
            return it->second;
        }
    return {};
}

void ImageCache::store(uint64_t key, const at::Tensor& embeds) {
    m_entries.emplace_front(key, embeds);
    while (m_entries.size() > kEntries) m_entries.pop_back();
}

}  // namespace sightline
