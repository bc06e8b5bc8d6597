// The side tables of a MySQL export (a staging table, the old copy kept during a replace) and the named
// lock that tells a live export's side tables from those a killed session left behind.
#pragma once

#include "mysql_session.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace mageio::mysql {

/// The name of a side table of `table`: <table>__mageio_<role>_c<connection id>_<hex>, at most 64 characters.
std::string side_table_name(const std::string& table, const std::string& role, uint64_t connection_id);

/// The connection id in the name of a side table of `table`, or nullopt when `name` is not one.
std::optional<uint64_t> side_table_owner(const std::string& name, const std::string& table);

/// The named lock an exporting connection holds while its side tables exist.
std::string export_lock_name(uint64_t connection_id);

/// Takes this connection's export lock (GET_LOCK); throws BACKEND when it cannot.
void hold_export_lock(Session& session);

/// Drops the side tables of `table` whose connection no longer holds its export lock.
void drop_stale_side_tables(Session& session, const std::string& schema, const std::string& table);

}  // namespace mageio::mysql
