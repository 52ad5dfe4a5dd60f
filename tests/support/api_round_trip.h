// Drives one request through server::ApiService::handle over a socket pair and returns the raw HTTP
// response, for unit tests of the API without a listening server. statusOf/bodyOf read it back.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "openai_api.h"

namespace sightline::apitest {

inline std::string roundTrip(server::ApiService& api, const server::HttpRequest& req) {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    {
        server::HttpResponder out(fds[0]);
        try {
            api.handle(req, out);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "handle threw: " << e.what();
        }
    }
    ::close(fds[0]);
    std::string response;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[1], buf, sizeof buf)) > 0;) response.append(buf, static_cast<size_t>(n));
    ::close(fds[1]);
    return response;
}

inline int statusOf(const std::string& response) {
    return response.size() > 12 ? std::atoi(response.c_str() + 9) : 0;
}

inline nlohmann::json bodyOf(const std::string& response) {
    const size_t at = response.find("\r\n\r\n");
    return at == std::string::npos ? nlohmann::json() : nlohmann::json::parse(response.substr(at + 4), nullptr, false);
}

}  // namespace sightline::apitest
