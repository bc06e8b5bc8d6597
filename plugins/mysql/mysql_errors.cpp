#include "mysql_errors.hpp"

namespace mageio::mysql {

bool connection_lost(int code) {
  switch (code) {
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
      return true;
    default: return false;
  }
}

MageioStatus status_for(int code, Phase phase, bool cancel_requested) {
  if (connection_lost(code)) return MAGEIO_STATUS_UNAVAILABLE;
  switch (code) {
    case 1045:  // ER_ACCESS_DENIED_ERROR
    case 1698:  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
    case 1251:  // ER_NOT_SUPPORTED_AUTH_MODE
    case 2059:  // CR_AUTH_PLUGIN_CANNOT_LOAD
      return MAGEIO_STATUS_UNAUTHENTICATED;
    case 1044:  // ER_DBACCESS_DENIED_ERROR: at connect, the user may not use the database
      return phase == Phase::Connect ? MAGEIO_STATUS_UNAUTHENTICATED : MAGEIO_STATUS_BACKEND;
    case 1049:  // ER_BAD_DB_ERROR
    case 1146:  // ER_NO_SUCH_TABLE
    case 1051:  // ER_BAD_TABLE_ERROR
    case 1054:  // ER_BAD_FIELD_ERROR
    case 1091:  // ER_CANT_DROP_FIELD_OR_KEY
      return MAGEIO_STATUS_NOT_FOUND;
    case 1050:  // ER_TABLE_EXISTS_ERROR
    case 1060:  // ER_DUP_FIELDNAME
      return MAGEIO_STATUS_ALREADY_EXISTS;
    case 2002:  // CR_CONNECTION_ERROR
    case 2003:  // CR_CONN_HOST_ERROR
    case 2005:  // CR_UNKNOWN_HOST
    case 2026:  // CR_SSL_CONNECTION_ERROR
    case 1040:  // ER_CON_COUNT_ERROR
    case 1129:  // ER_HOST_IS_BLOCKED
    case 1130:  // ER_HOST_NOT_PRIVILEGED
      return MAGEIO_STATUS_UNAVAILABLE;
    case 1317:  // ER_QUERY_INTERRUPTED
    case 3024:  // ER_QUERY_TIMEOUT
      return cancel_requested ? MAGEIO_STATUS_CANCELLED : MAGEIO_STATUS_BACKEND;
    default: return MAGEIO_STATUS_BACKEND;
  }
}

std::string mask_secret(std::string text, const std::string& secret) {
  if (secret.size() < 4) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 4))
    text.replace(at, secret.size(), "****");
  return text;
}

sdk::Error translate(const sql::SQLException& error, const std::string& context, Phase phase, bool cancel_requested,
                     const std::string& secret) {
  return translate(error.getErrorCode(), error.getSQLState(), error.what(), context, phase, cancel_requested, secret);
}

sdk::Error translate(int code, std::string state, const std::string& text, const std::string& context, Phase phase,
                     bool cancel_requested, const std::string& secret) {
  if (state.size() != 5) state.clear();
  MageioStatus status = status_for(code, phase, cancel_requested);
  std::string message = context + ": ";
  if (status == MAGEIO_STATUS_CANCELLED) {
    message += "cancelled by the host (the running statement was killed with KILL QUERY)";
  } else {
    message += text;
    if (code != 0 || !state.empty()) {
      message += " [error " + std::to_string(code);
      if (!state.empty()) message += ", SQLSTATE " + state;
      message += "]";
    }
    if (connection_lost(code))
      message +=
          "; the connection is gone: the next call opens a new one (session state such as variables, "
          "temporary tables and an open transaction is lost)";
  }
  return sdk::Error(status, mask_secret(std::move(message), secret), state, code);
}

}  // namespace mageio::mysql
