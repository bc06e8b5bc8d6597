#include "adbc_catalog.hpp"

#include <optional>
#include <string>

namespace mageio::adbc {
namespace {

// Reading GetObjects' nested result straight from the Arrow C data (its schema is fixed by the ADBC
// spec): catalog struct -> list<db_schema struct> -> list<table struct>. A struct's offset applies to
// its children, a list's offsets index its child's logical rows.

bool valid(const ArrowArray& array, int64_t row) {
  if (array.null_count == 0 || array.n_buffers == 0 || array.buffers[0] == nullptr) return true;
  const int64_t bit = array.offset + row;
  return (static_cast<const uint8_t*>(array.buffers[0])[bit / 8] >> (bit % 8)) & 1;
}

std::optional<std::string> string_at(const ArrowArray& array, int64_t row) {
  if (!valid(array, row) || array.n_buffers < 3 || array.buffers[1] == nullptr) return std::nullopt;
  const auto* offsets = static_cast<const int32_t*>(array.buffers[1]);
  const auto* data = static_cast<const char*>(array.buffers[2]);
  const int32_t begin = offsets[array.offset + row];
  const int32_t end = offsets[array.offset + row + 1];
  if (end == begin) return std::string();
  return std::string(data + begin, data + end);
}

// [first, last) rows of the list's child for list row `row`; empty for a null list.
std::pair<int64_t, int64_t> list_rows(const ArrowArray& list, int64_t row) {
  if (!valid(list, row) || list.n_buffers < 2 || list.buffers[1] == nullptr) return {0, 0};
  const auto* offsets = static_cast<const int32_t*>(list.buffers[1]);
  return {offsets[list.offset + row], offsets[list.offset + row + 1]};
}

bool ascii_equal_nocase(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if ((x >= 'A' && x <= 'Z' ? x + 32 : x) != (y >= 'A' && y <= 'Z' ? y + 32 : y)) return false;
  }
  return true;
}

// A connection option of ADBC 1.1 (the current catalog or schema); nullopt when the driver cannot say.
std::optional<std::string> connection_option(Session& session, const char* key) {
  AdbcDriver& d = session.driver().table();
  if (!session.driver().v11() || d.ConnectionGetOption == nullptr) return std::nullopt;
  std::string value(256, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    size_t length = value.size();
    AdbcError error = new_error(session.driver());
    const AdbcStatusCode status = d.ConnectionGetOption(session.connection(), key, value.data(), &length, &error);
    release_error(error);
    if (status != ADBC_STATUS_OK) return std::nullopt;
    if (length <= value.size()) {
      value.resize(length > 0 ? length - 1 : 0);  // length counts the terminating NUL
      return value;
    }
    value.assign(length, '\0');
  }
  return std::nullopt;
}

struct Wanted {
  std::optional<std::string> catalog;  // nullopt: any
  std::optional<std::string> schema;
  std::string table;
  bool nocase = false;
  bool same(const std::string& a, const std::string& b) const { return nocase ? ascii_equal_nocase(a, b) : a == b; }
};

bool batch_has(const ArrowArray& batch, const Wanted& wanted) {
  if (batch.n_children < 2) return false;
  const ArrowArray& catalog_names = *batch.children[0];
  const ArrowArray& schema_lists = *batch.children[1];
  if (schema_lists.n_children < 1 || schema_lists.children[0]->n_children < 2) return false;
  const ArrowArray& schemas = *schema_lists.children[0];
  const ArrowArray& schema_names = *schemas.children[0];
  const ArrowArray& table_lists = *schemas.children[1];
  if (table_lists.n_children < 1 || table_lists.children[0]->n_children < 1) return false;
  const ArrowArray& tables = *table_lists.children[0];
  const ArrowArray& table_names = *tables.children[0];
  for (int64_t c = 0; c < batch.length; ++c) {
    const int64_t catalog_row = batch.offset + c;
    if (wanted.catalog && !wanted.same(string_at(catalog_names, catalog_row).value_or(""), *wanted.catalog)) continue;
    const auto [schema_first, schema_last] = list_rows(schema_lists, catalog_row);
    for (int64_t s = schema_first; s < schema_last; ++s) {
      const int64_t schema_row = schemas.offset + s;
      if (wanted.schema && !wanted.same(string_at(schema_names, schema_row).value_or(""), *wanted.schema)) continue;
      const auto [table_first, table_last] = list_rows(table_lists, schema_row);
      for (int64_t t = table_first; t < table_last; ++t)
        if (auto name = string_at(table_names, tables.offset + t); name && wanted.same(*name, wanted.table))
          return true;
    }
  }
  return false;
}

}  // namespace

bool table_exists_by_objects(Session& session, const sdk::Target& target) {
  AdbcDriver& d = session.driver().table();
  const std::string what = "cannot tell whether " + target.describe() + " exists (GetObjects)";
  if (d.ConnectionGetObjects == nullptr)
    throw sdk::not_implemented(what + ": the ADBC driver " + session.driver().library_path() +
                               " has neither GetTableSchema nor GetObjects");
  Wanted wanted;
  wanted.table = target.table;
  wanted.nocase = session.dialect() == Dialect::SQLite;
  if (target.schema.empty()) {
    // Where GetTableSchema without a schema looks: the current catalog and schema, when the driver says.
    wanted.catalog = connection_option(session, ADBC_CONNECTION_OPTION_CURRENT_CATALOG);
    wanted.schema = connection_option(session, ADBC_CONNECTION_OPTION_CURRENT_DB_SCHEMA);
  } else {
    wanted.schema = target.schema;
  }
  // The names as patterns: '_' and '%' match themselves too, so the answer holds at least the table;
  // the exact comparison above drops the others.
  AdbcError error = new_error(session.driver());
  ArrowArrayStream stream{};
  session.check(d.ConnectionGetObjects(session.connection(), ADBC_OBJECT_DEPTH_TABLES, nullptr,
                                       target.schema.empty() ? nullptr : target.schema.c_str(), target.table.c_str(),
                                       nullptr, nullptr, &stream, &error),
                error, what);
  bool found = false;
  int code = 0;
  ArrowArray batch{};
  while (!found && (code = stream.get_next(&stream, &batch)) == 0 && batch.release != nullptr) {
    found = batch_has(batch, wanted);
    batch.release(&batch);
    batch = ArrowArray{};
  }
  std::string message;
  if (code != 0 && stream.get_last_error != nullptr && stream.get_last_error(&stream) != nullptr)
    message = stream.get_last_error(&stream);
  stream.release(&stream);
  if (code != 0)
    throw sdk::Error(MAGEIO_STATUS_BACKEND,
                     session.mask(what + ": reading its answer failed: " +
                                  (message.empty() ? "error " + std::to_string(code) : message)));
  return found;
}

bool table_exists(Session& session, const sdk::Target& target) {
  if (session.table_lookup() == TableLookup::GetObjects) return table_exists_by_objects(session, target);
  AdbcDriver& d = session.driver().table();
  AdbcError error = new_error(session.driver());
  ArrowSchema schema{};
  const AdbcStatusCode status =
      d.ConnectionGetTableSchema(session.connection(), nullptr, target.schema.empty() ? nullptr : target.schema.c_str(),
                                 target.table.c_str(), &schema, &error);
  if (status == ADBC_STATUS_OK) {
    if (schema.release) schema.release(&schema);
    release_error(error);
    return true;
  }
  if (status == ADBC_STATUS_NOT_FOUND) {
    release_error(error);
    return false;
  }
  if (status == ADBC_STATUS_NOT_IMPLEMENTED) {
    release_error(error);
    return table_exists_by_objects(session, target);
  }
  throw session.to_error(status, error, "cannot tell whether " + target.describe() + " exists (GetTableSchema)");
}

}  // namespace mageio::adbc
