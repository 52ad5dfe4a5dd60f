// The API's key handling (constant-time compare, Bearer parsing, key file), the JWT verifier (tokens
// made with libjwt itself), the request log (masking, rotation, a log that cannot be written) and
// the service routes (/health readiness, /v1/multimodal/inference) through ApiService::handle on
// the shared fake backend.
#include <gtest/gtest.h>
#include <jwt.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api_auth.h"
#include "api_key.h"
#include "api_round_trip.h"
#include "fake_backend.h"
#include "openai_api.h"
#include "request_log.h"
#include "sightline/error.h"
#include "sightline/image.h"
#include "test_support.h"

using namespace sightline;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path tempDir(const std::string& name) {
    return test::scratchDir("sightline-api-auth", name);  // removed at exit
}

std::string hs256(const json& claims, const std::string& secret, jwt_alg_t alg = JWT_ALG_HS256) {
    jwt_t* j = nullptr;
    jwt_new(&j);
    jwt_add_grants_json(j, claims.dump().c_str());
    jwt_set_alg(j, alg, alg == JWT_ALG_NONE ? nullptr : reinterpret_cast<const unsigned char*>(secret.data()),
                alg == JWT_ALG_NONE ? 0 : static_cast<int>(secret.size()));
    char* s = jwt_encode_str(j);
    std::string out = s ? s : "";
    std::free(s);
    jwt_free(j);
    return out;
}

server::HttpRequest withAuth(const std::string& value) {
    server::HttpRequest r;
    r.method = "GET";
    r.path = "/v1/models";
    if (!value.empty()) r.headers["authorization"] = value;
    return r;
}

using apitest::bodyOf;
using apitest::roundTrip;
using apitest::statusOf;

server::HttpRequest get(const std::string& path, const std::string& key = {}) {
    server::HttpRequest r;
    r.method = "GET";
    r.path = path;
    if (!key.empty()) r.headers["authorization"] = "Bearer " + key;
    return r;
}

server::HttpRequest post(const std::string& path, const json& body, const std::string& key = {}) {
    server::HttpRequest r = get(path, key);
    r.method = "POST";
    r.body = body.dump();
    return r;
}

// A 1x1 PNG, base64.
const char* kPng1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

}  // namespace

TEST(ApiKey, ConstantTimeEqualsComparesWholeStrings) {
    EXPECT_TRUE(server::constantTimeEquals("sl-abc", "sl-abc"));
    EXPECT_TRUE(server::constantTimeEquals("", ""));
    EXPECT_FALSE(server::constantTimeEquals("sl-abc", "sl-abd"));
    EXPECT_FALSE(server::constantTimeEquals("sl-abc", "sl-ab"));  // a prefix is not the key
    EXPECT_FALSE(server::constantTimeEquals("sl-ab", "sl-abc"));
    EXPECT_FALSE(server::constantTimeEquals("", "x"));
    EXPECT_FALSE(server::constantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));  // no C-string cut at NUL
}

TEST(ApiKey, BearerParsing) {
    EXPECT_EQ(server::bearerToken("Bearer sl-123"), "sl-123");
    EXPECT_EQ(server::bearerToken("bearer sl-123"), "sl-123");
    EXPECT_EQ(server::bearerToken("  BEARER   sl-123  "), "sl-123");
    EXPECT_EQ(server::bearerToken("Bearer"), "");
    EXPECT_EQ(server::bearerToken("Bearer "), "");
    EXPECT_EQ(server::bearerToken("Bearersl-123"), "");
    EXPECT_EQ(server::bearerToken("Basic dXNlcjpwYXNz"), "");
    EXPECT_EQ(server::bearerToken("sl-123"), "");
    EXPECT_EQ(server::bearerToken("Bearer a b"), "");
}

TEST(ApiKey, GeneratedKeysAreRandomAndFileIsPrivate) {
    const std::string a = server::generateApiKey(), b = server::generateApiKey();
    EXPECT_EQ(a.rfind("sl-", 0), 0u);
    EXPECT_EQ(a.size(), 3u + 43u);  // 32 bytes as base64url without padding
    EXPECT_NE(a, b);
    const fs::path dir = tempDir("keyfile");
    const std::string path = (dir / "sub" / "api.key").string();
    bool created = false;
    const std::string k1 = server::loadOrCreateApiKey(path, &created);
    EXPECT_TRUE(created);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(server::loadOrCreateApiKey(path, &created), k1);
    EXPECT_FALSE(created);
    const std::string k2 = server::regenerateApiKey(path);
    EXPECT_NE(k2, k1);
    EXPECT_EQ(server::loadOrCreateApiKey(path), k2);
    ::chmod(path.c_str(), 0644);
    EXPECT_THROW(server::loadOrCreateApiKey(path), Error);  // others may read it: refused, not used
}

TEST(ApiAuth, KeyOnly) {
    server::ApiAuth auth({.apiKey = "sl-right", .jwt = std::nullopt});
    EXPECT_TRUE(auth.authorize(withAuth("Bearer sl-right")).ok);
    EXPECT_EQ(auth.authorize(withAuth("Bearer sl-right")).caller, "api-key");
    EXPECT_FALSE(auth.authorize(withAuth("Bearer sl-wrong")).ok);
    EXPECT_FALSE(auth.authorize(withAuth("")).ok);
    EXPECT_FALSE(auth.authorize(withAuth("sl-right")).ok);
    server::ApiAuth none({});
    EXPECT_FALSE(none.enabled());
    EXPECT_TRUE(none.authorize(withAuth("")).ok);
}

TEST(ApiAuth, JwtHs256) {
    server::JwtOptions jwt;
    jwt.secret = "s3cret";
    jwt.audience = "aud-1";
    server::ApiAuth auth({.apiKey = "sl-key", .jwt = jwt});
    const int64_t now = 1'800'000'000;
    const json good = {{"sub", "carol"}, {"aud", "aud-1"}, {"exp", now + 60}};
    auto r = auth.verifyJwt(hs256(good, "s3cret"), now);
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_EQ(r.caller, "carol");
    EXPECT_FALSE(auth.verifyJwt(hs256(good, "other"), now).ok);
    EXPECT_FALSE(auth.verifyJwt(hs256(good, "s3cret"), now + 60 + 31).ok);  // past exp + 30 s leeway
    EXPECT_TRUE(auth.verifyJwt(hs256(good, "s3cret"), now + 60 + 29).ok);
    EXPECT_FALSE(auth.verifyJwt(hs256({{"sub", "c"}, {"aud", "aud-2"}, {"exp", now + 60}}, "s3cret"), now).ok);
    EXPECT_TRUE(auth.verifyJwt(hs256({{"aud", json::array({"x", "aud-1"})}, {"exp", now + 60}}, "s3cret"), now).ok);
    EXPECT_FALSE(auth.verifyJwt(hs256({{"aud", "aud-1"}}, "s3cret"), now).ok);   // no exp
    EXPECT_FALSE(auth.verifyJwt(hs256(good, "s3cret", JWT_ALG_HS512), now).ok);  // not the configured algorithm
    EXPECT_FALSE(auth.verifyJwt(hs256(good, "", JWT_ALG_NONE), now).ok);
    std::string tampered = hs256(good, "s3cret");
    tampered[tampered.find('.') + 3] ^= 1;
    EXPECT_FALSE(auth.verifyJwt(tampered, now).ok);
    EXPECT_FALSE(auth.verifyJwt("a.b.c", now).ok);
    EXPECT_FALSE(auth.verifyJwt("...", now).ok);
    EXPECT_FALSE(auth.verifyJwt(std::string(20000, 'a') + ".b.c", now).ok);
    // Through authorize: the key still works next to JWT.
    EXPECT_EQ(auth.authorize(withAuth("Bearer sl-key")).caller, "api-key");
}

TEST(ApiAuth, JwtConfigurationIsChecked) {
    server::JwtOptions both;
    both.secret = "x";
    both.publicKeyPem = "-----BEGIN PUBLIC KEY-----";
    EXPECT_THROW(server::ApiAuth({.apiKey = "", .jwt = both}), Error);
    server::JwtOptions notPem;
    notPem.publicKeyPem = "hello";
    EXPECT_THROW(server::ApiAuth({.apiKey = "", .jwt = notPem}), Error);
}

TEST(RequestLog, MasksRotatesAndNeverThrows) {
    const fs::path dir = tempDir("log");
    const std::string path = (dir / "req.jsonl").string();
    server::RequestLog log({.path = path, .maxBytes = 2048, .keep = 2, .content = server::RequestLogContent::Masked});
    server::RequestRecord r;
    r.caller = "api-key";
    r.method = "POST";
    r.route = "/v1/chat/completions";
    r.status = 200;
    r.prompt = "user: write to jane@example.org or call +1 (555) 123-4567";
    r.output = "ok";
    const json line = json::parse(log.line(r));
    EXPECT_EQ(line["prompt"], "user: write to [email] or call [phone]");
    EXPECT_EQ(line["caller"], "api-key");
    EXPECT_EQ(line["prompt_tokens"], nullptr);
    for (int i = 0; i < 40; ++i) log.append(r);
    EXPECT_TRUE(fs::exists(path + ".1"));
    EXPECT_TRUE(fs::exists(path + ".2"));
    EXPECT_FALSE(fs::exists(path + ".3"));
    for (const char* suffix : {"", ".1", ".2"}) EXPECT_LE(fs::file_size(path + suffix), 2048u);
    EXPECT_EQ(log.failures(), 0);
    server::RequestLog none({.path = path, .maxBytes = 2048, .keep = 2, .content = server::RequestLogContent::None});
    EXPECT_FALSE(json::parse(none.line(r)).contains("prompt"));
    // A log in a folder that does not exist: counted, the caller carries on.
    server::RequestLog broken(
        {.path = (dir / "missing" / "x.jsonl").string(), .maxBytes = 2048, .keep = 1, .content = server::RequestLogContent::Masked});
    EXPECT_NO_THROW(broken.append(r));
    EXPECT_EQ(broken.failures(), 1);
}

TEST(ServiceApi, HealthIsAReadinessProbe) {
    auto fake = std::make_shared<fakes::FakeBackend>();
    server::ApiService api(fake, {});
    std::string r = roundTrip(api, get("/health"));
    EXPECT_EQ(statusOf(r), 503);
    EXPECT_EQ(bodyOf(r), json({{"status", "loading"}, {"model_loaded", false}}));
    EXPECT_EQ(statusOf(roundTrip(api, get("/health/live"))), 200);
    api.setModelProblem("no config.json");
    r = roundTrip(api, get("/health"));
    EXPECT_EQ(statusOf(r), 503);
    EXPECT_EQ(bodyOf(r)["status"], "error");
    api.setModelProblem("");
    fake->load({});
    r = roundTrip(api, get("/health"));
    EXPECT_EQ(statusOf(r), 200);
    EXPECT_EQ(bodyOf(r)["status"], "ok");
    EXPECT_EQ(bodyOf(r)["model_loaded"], true);
}

TEST(ServiceApi, KeyGuardsEverythingButHealth) {
    auto fake = std::make_shared<fakes::FakeBackend>();
    fake->load({});
    server::ApiOptions o;
    o.auth = std::make_shared<server::ApiAuth>(server::AuthOptions{.apiKey = "sl-k", .jwt = std::nullopt});
    server::ApiService api(fake, o);
    EXPECT_EQ(statusOf(roundTrip(api, get("/health"))), 200);
    EXPECT_EQ(statusOf(roundTrip(api, get("/health/live"))), 200);
    const std::string r = roundTrip(api, get("/v1/models"));
    EXPECT_EQ(statusOf(r), 401);
    EXPECT_EQ(bodyOf(r)["error"]["code"], "invalid_api_key");
    EXPECT_NE(r.find("WWW-Authenticate: Bearer"), std::string::npos);
    EXPECT_EQ(statusOf(roundTrip(api, get("/v1/models", "sl-x"))), 401);
    EXPECT_EQ(statusOf(roundTrip(api, get("/v1/models", "sl-k"))), 200);
    EXPECT_EQ(statusOf(roundTrip(api, post("/v1/multimodal/inference", {{"image", kPng1x1}, {"prompt", "hi"}}))), 401);
    EXPECT_EQ(fake->calls.load(), 0);
}

TEST(ServiceApi, MultimodalInferenceReturnsTheVerdictForAModerationPrompt) {
    auto fake = std::make_shared<fakes::FakeBackend>(std::vector<std::string>{
        "{\"verdict\": \"", "reject", "\", \"reasons\": [\"sells a weapon\"], \"categories\": [\"prohibited_goods\"]}"});
    fake->load({});
    server::ApiService api(fake, {});
    std::string r = roundTrip(api, post("/v1/multimodal/inference", {{"image", kPng1x1}, {"prompt", "Moderate this listing"}}));
    ASSERT_EQ(statusOf(r), 200) << r;
    json b = bodyOf(r);
    EXPECT_EQ(b["result"], "reject");
    EXPECT_EQ(b["reasons"], json::array({"sells a weapon"}));
    EXPECT_DOUBLE_EQ(b["confidence"].get<double>(), 1.0);  // exp(logprob 0) of the fake's verdict token
    EXPECT_EQ(b["tokens_generated"], 3);
    EXPECT_EQ(b["inference_time_ms"], 40);
    // The moderation request was sent with the moderation policy as its system prompt.
    {
        std::lock_guard lock(fake->mutex);
        ASSERT_FALSE(fake->lastMessages.empty());
        EXPECT_EQ(fake->lastMessages.front().role, Role::System);
    }

    auto plain = std::make_shared<fakes::FakeBackend>(std::vector<std::string>{"A ", "cat."});
    plain->load({});
    server::ApiService api2(plain, {});
    r = roundTrip(api2,
                  post("/v1/multimodal/inference", {{"image", std::string("data:image/png;base64,") + kPng1x1}, {"prompt", "What?"}}));
    ASSERT_EQ(statusOf(r), 200) << r;
    b = bodyOf(r);
    EXPECT_EQ(b["result"], "A cat.");
    EXPECT_EQ(b["reasons"], json::array());
    EXPECT_TRUE(b["confidence"].is_null());
    EXPECT_EQ(statusOf(roundTrip(api2, post("/v1/multimodal/inference", {{"image", "/etc/hostname"}, {"prompt", "x"}}))), 400);
    EXPECT_EQ(statusOf(roundTrip(api2, post("/v1/multimodal/inference", {{"image", kPng1x1}}))), 400);
    EXPECT_EQ(statusOf(roundTrip(api2, post("/v1/multimodal/inference", json::array()))), 400);
    EXPECT_EQ(statusOf(roundTrip(api2, get("/v1/multimodal/inference"))), 405);
}

TEST(ImagePreprocess, DownscalesAndReencodesOnlyWhenAsked) {
    if (!server::jpegEncodeSupported()) GTEST_SKIP() << "this build has no libjpeg";
    const std::string png = test::readFile(test::fixturesDir() + "/cases/images/img_300x200.png");
    auto probe = [](const std::string& b) { return probeImage(reinterpret_cast<const uint8_t*>(b.data()), b.size(), "t"); };
    EXPECT_EQ(server::preprocessUpload(png, {}, 50'000'000, "t"), png);  // off
    server::ImagePreprocess side;
    side.maxSide = 100;
    const std::string small = server::preprocessUpload(png, side, 50'000'000, "t");
    EXPECT_EQ(probe(small).format, ImageFormat::Jpeg);
    EXPECT_EQ(probe(small).width, 100);
    EXPECT_EQ(probe(small).height, 67);  // 200 * 100 / 300, rounded
    side.maxSide = 300;                  // already small enough: unchanged
    EXPECT_EQ(server::preprocessUpload(png, side, 50'000'000, "t"), png);
    server::ImagePreprocess heavy;
    heavy.reencodeJpegAboveBytes = static_cast<int64_t>(png.size()) - 1;
    const std::string jpeg = server::preprocessUpload(png, heavy, 50'000'000, "t");
    EXPECT_EQ(probe(jpeg).format, ImageFormat::Jpeg);
    EXPECT_EQ(probe(jpeg).width, 300);  // re-encoded, not resized
    heavy.reencodeJpegAboveBytes = static_cast<int64_t>(png.size());
    EXPECT_EQ(server::preprocessUpload(png, heavy, 50'000'000, "t"), png);  // not above the size
    EXPECT_THROW(server::preprocessUpload("not an image", heavy, 50'000'000, "t"), Error);
}

TEST(ApiKey, DefaultPathIsBesideTheAuditKey) {
    auto saved = [](const char* name) { return std::getenv(name) ? std::optional<std::string>(std::getenv(name)) : std::nullopt; };
    const auto file = saved("SIGHTLINE_API_KEY_FILE"), audit = saved("SIGHTLINE_AUDIT_KEY");
    ::unsetenv("SIGHTLINE_API_KEY_FILE");
    ::setenv("SIGHTLINE_AUDIT_KEY", "/secrets/sightline/audit.key", 1);
    EXPECT_EQ(server::defaultApiKeyPath(), "/secrets/sightline/api.key");
    ::setenv("SIGHTLINE_API_KEY_FILE", "/elsewhere/key", 1);
    EXPECT_EQ(server::defaultApiKeyPath(), "/elsewhere/key");
    auto restore = [](const char* name, const std::optional<std::string>& v) {
        if (v)
            ::setenv(name, v->c_str(), 1);
        else
            ::unsetenv(name);
    };
    restore("SIGHTLINE_API_KEY_FILE", file);
    restore("SIGHTLINE_AUDIT_KEY", audit);
}
