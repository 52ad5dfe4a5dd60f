// Runs a model phase, turning allocation failures into Error(OutOfMemory) naming the phase (and
// handing the allocator's cached blocks back), and other library errors into Error(Internal).
#pragma once

#include <c10/util/Exception.h>

#include <new>
#include <string>

#include "runtime/device.h"
#include "sightline/error.h"

namespace sightline::runtime {

template <typename F>
auto guarded(const char* phase, const at::Device& device, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const c10::OutOfMemoryError&) {
        releaseCachedMemory(device);
        throw Error(ErrorKind::OutOfMemory, std::string("out of memory during ") + phase + " on " + describeDevice(device) +
                                                ": try a smaller image budget, fewer tokens or fewer requests at once");
    } catch (const std::bad_alloc&) {
        throw Error(ErrorKind::OutOfMemory, std::string("out of host memory during ") + phase);
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        throw Error(ErrorKind::Internal, std::string(phase) + ": " + e.what_without_backtrace());
    }
}

}  // namespace sightline::runtime
