// Videos attached in the window, probed once per content. Probing a video counts its frames the way
// transformers' decoder does (a scan of every packet), so the composer's cost line, its poster and
// every request that sends the video (from the chat's own copy in the image store, another path)
// share one probe: the same path, size and modification time, or the same SHA-256, is not scanned
// again, and two threads asking at once wait for the same scan. Any thread.
#pragma once

#include <QString>
#include <cstdint>
#include <memory>

#include "sightline/video.h"

namespace sightline::app {

// The probed source of this video file (its decoded frames, once Model::promptIds made them, are
// cached inside and shared by every holder). `sha256` (hex), when the caller knows it, saves hashing
// a file not seen under this path. Throws what videoSourceFromFile throws; a failure is remembered
// for that content too.
std::shared_ptr<const VideoSource> probedVideoFile(const QString& path, const QString& sha256 = {});

// How many probes probedVideoFile has run in this process (tests).
uint64_t videoProbeCount();

}  // namespace sightline::app
