#include "mysql_side_tables.hpp"

#include "mysql_catalog.hpp"
#include "mysql_sql.hpp"

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/random_suffix.hpp>

namespace mageio::mysql {

// Side tables say what they are and whose they are: <table>__mageio_<role>_c<connection id>_<hex>, within
// MySQL's 64-character identifier limit (the table's name is shortened, never the suffix). The connection id
// lets a later export tell a table left by a killed session from one a live session is still filling.
std::string side_table_suffix(const std::string& role, uint64_t connection_id) {
  return "__mageio_" + role + "_c" + std::to_string(connection_id) + "_" + sdk::random_suffix(6);
}

std::string side_table_name(const std::string& table, const std::string& role, uint64_t connection_id) {
  const std::string suffix = side_table_suffix(role, connection_id);
  return truncate_identifier(table, 64 - suffix.size()) + suffix;
}

// The connection id in a side table of `table` ("stage" or "old"), or nullopt when `name` is not one.
std::optional<uint64_t> side_table_owner(const std::string& name, const std::string& table) {
  for (const std::string role : {"stage", "old"}) {
    const std::string marker = "__mageio_" + role + "_c";
    const size_t at = name.rfind(marker);
    if (at == std::string::npos) continue;
    const std::string rest = name.substr(at + marker.size());  // <digits>_<6 hex>
    const size_t underscore = rest.find('_');
    if (underscore == 0 || underscore == std::string::npos || rest.size() - underscore - 1 != 6) continue;
    const std::string digits = rest.substr(0, underscore);
    if (digits.size() > 20 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (rest.find_first_not_of("0123456789abcdef", underscore + 1) != std::string::npos) continue;
    if (name.substr(0, at) != truncate_identifier(table, 64 - (name.size() - at))) continue;
    return std::stoull(digits);
  }
  return std::nullopt;
}

// Every export session holds this named lock until it ends (the server releases it when the connection
// goes, also when the client was killed), so "is the owner of a side table still alive" has an answer
// that needs no PROCESS privilege: IS_USED_LOCK of its name.
std::string export_lock_name(uint64_t connection_id) { return "mageio_export_c" + std::to_string(connection_id); }

void hold_export_lock(Session& session) {
  if (session.export_lock_held()) return;
  const uint64_t id = session.server().connection_id;
  auto rows = session.query("SELECT GET_LOCK(?, 0)", {export_lock_name(id)}, "cannot take the export's lock");
  if (rows.empty() || !rows[0][0] || *rows[0][0] != "1")
    throw sdk::Error(MAGEIO_STATUS_BACKEND, "cannot take the named lock " + export_lock_name(id) +
                                                " that marks this session's staging tables as in use");
  session.export_lock_taken();
}

// Drops the staging tables (and replaced copies) of `table` that sessions killed mid-export left behind
// (SIGKILL, a power cut: nothing of the client ran to clean up). A side table is stale when its owner's
// connection id neither holds its export lock nor appears in PROCESSLIST; a live session's tables are
// never touched.
void drop_stale_side_tables(Session& session, const std::string& schema, const std::string& table) {
  auto rows = session.query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ? ESCAPE '!'",
      {schema, std::string("%!_!_mageio!_%")}, "cannot look for stale staging tables");
  for (const auto& row : rows) {
    if (!row[0]) continue;
    const std::string& name = *row[0];
    const auto owner = side_table_owner(name, table);
    if (!owner || *owner == session.server().connection_id) continue;
    auto alive = session.query(
        "SELECT IS_USED_LOCK(?) IS NOT NULL OR EXISTS (SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ?)",
        {export_lock_name(*owner), std::to_string(*owner)}, "cannot check the owner of " + name);
    if (alive.empty() || !alive[0][0] || *alive[0][0] != "0") continue;
    session.run("DROP TABLE IF EXISTS " + qualified_name(schema, name), "dropping the stale staging table " + name);
    session.host().info("dropped " + schema + "." + name + ", left behind by connection " + std::to_string(*owner) +
                        ", which no longer exists (an export killed before it could clean up)");
  }
}

}  // namespace mageio::mysql
