// How MySQL/MariaDB errors become mageio errors.
//
//   status             server / client error numbers
//   UNAUTHENTICATED    1045 access denied (SQLSTATE 28000), 1698, 1044 and 1251/2059 (auth plugin) at connect
//   NOT_FOUND          1049 unknown database, 1146 unknown table, 1051, 1054 unknown column, 1091
//   ALREADY_EXISTS     1050 table exists, 1060 duplicate column
//   UNAVAILABLE        2002/2003 cannot connect, 2005 unknown host, 2006/2013 server gone / connection lost,
//                      2026 TLS failure, 2055, 1040 too many connections, 1053 shutdown, 1927 connection
//                      killed, 4031 idle timeout
//   CANCELLED          1317 query interrupted, when the host had asked to cancel (the plugin killed it)
//   BACKEND            everything else, with the server's SQLSTATE and error number
//
// Every message says what was being done (the host names the plugin in front of it), and ends with the server's text
// and
// "[error N, SQLSTATE S]". The password never appears: messages are built from the settings without it,
// and the server's text is scrubbed of it as well.
#pragma once

#include <mageio/sdk/error.hpp>

#include <cppconn/exception.h>

#include <string>

namespace mageio::mysql {

enum class Phase { Connect, Run };

/// True for the error numbers after which the connection is gone (it has to be opened again).
bool connection_lost(int code);

MageioStatus status_for(int code, Phase phase, bool cancel_requested);

/// The mageio error for a Connector/C++ exception. `context` says what failed ("cannot connect to ...",
/// "load failed"); `secret` is scrubbed from the text.
sdk::Error translate(const sql::SQLException& error, const std::string& context, Phase phase, bool cancel_requested,
                     const std::string& secret);

/// The same for an error met on a connection made with the C API (the LOAD DATA connection): its number,
/// SQLSTATE and text as mysql_errno/mysql_sqlstate/mysql_error give them.
sdk::Error translate(int code, std::string state, const std::string& text, const std::string& context, Phase phase,
                     bool cancel_requested, const std::string& secret);

/// `text` with every occurrence of `secret` replaced by "****" (secrets shorter than 4 bytes are left
/// alone: masking every "a" would only garble messages).
std::string mask_secret(std::string text, const std::string& secret);

}  // namespace mageio::mysql
