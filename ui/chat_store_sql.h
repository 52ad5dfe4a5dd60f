// Internal to ChatStore (chat_store.cpp, chat_store_schema.cpp): SQL helpers and the JSON forms of
// a message's columns.
#pragma once

#include <QJsonArray>
#include <QSqlQuery>
#include <QString>

#include "chat_types.h"

namespace sightline::ui::store {

// Qt binds a null QString as SQL NULL; the schema wants empty text instead.
inline QString nn(const QString& s) {
    return s.isNull() ? QStringLiteral("") : s;
}
// Executes a prepared query; throws std::runtime_error("what: SQL error").
void exec(QSqlQuery& q, const char* what);
void exec(QSqlQuery& q, const QString& sql, const char* what);

QString stateName(MessageState s);
MessageState stateFrom(const QString& s);

// images column: [{path, source, sha256, preflight, thumbnail_png}]; path is the file name inside
// the image folder for stored copies, an absolute path otherwise.
QJsonArray imagesJson(const QList<ImageRef>& images, const QString& imageFolder);
QList<ImageRef> imagesFrom(const QByteArray& json, const QString& imageFolder);

QString nowUtc();

}  // namespace sightline::ui::store
