// The remote transport of a build without libcurl (SIGHTLINE_ENGINE_ONLY on a bare GPU machine): the
// local engine works as ever; a remote server cannot be reached, and every exchange says why.
#include "http_session.h"

namespace sightline::app {

HttpSession::HttpSession() = default;
HttpSession::~HttpSession() = default;

HttpOutcome HttpSession::perform(const HttpExchange&) {
    HttpOutcome out;
    out.failure = HttpOutcome::Failure::Connect;
    out.message = "this build has no libcurl (built with SIGHTLINE_ENGINE_ONLY): remote servers cannot be reached";
    return out;
}

}  // namespace sightline::app
