// Internal to sightline_moderation: the prepared-statement wrapper and helpers shared by the store
// and its audit log. Callers hold the store's mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "sightline/error.h"

namespace sightline::moderation::detail {

std::string nowIso();

// JSON text that is always valid UTF-8: strings were made valid on the way in (toValidUtf8), and
// the replace handler is a second guard so a dump can never throw type_error 316.
inline std::string dumpJson(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Prepared statement with RAII and typed binds.
class Stmt {
public:
    Stmt(sqlite3* db, const char* sql) : m_db(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &m_s, nullptr) != SQLITE_OK)
            throw Error(ErrorKind::Internal, std::string("SQL prepare: ") + sqlite3_errmsg(db));
    }
    ~Stmt() { sqlite3_finalize(m_s); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt& bind(int i, const std::string& v) {
        sqlite3_bind_text(m_s, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(int i, double v) {
        sqlite3_bind_double(m_s, i, v);
        return *this;
    }
    Stmt& bind(int i, int64_t v) {
        sqlite3_bind_int64(m_s, i, v);
        return *this;
    }
    bool step() {
        const int rc = sqlite3_step(m_s);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw Error(ErrorKind::Internal, std::string("SQL: ") + sqlite3_errmsg(m_db));
    }
    std::string text(int c) const {
        const auto* p = sqlite3_column_text(m_s, c);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(m_s, c))) : std::string();
    }
    double real(int c) const { return sqlite3_column_double(m_s, c); }
    int64_t integer(int c) const { return sqlite3_column_int64(m_s, c); }
    bool null(int c) const { return sqlite3_column_type(m_s, c) == SQLITE_NULL; }

private:
    sqlite3* m_db;
    sqlite3_stmt* m_s = nullptr;
};

}  // namespace sightline::moderation::detail
