#include "mysql_partitions.hpp"

#include "mysql_catalog.hpp"
#include "mysql_load.hpp"
#include "mysql_sql.hpp"

#include <mageio/sdk/sql_text.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

namespace mageio::mysql {
namespace {

constexpr const char* kPlugin = "mysql";

enum class RangeKind { Integer, Real, None };

// The kind of range a result column's type allows; `type_name` as Connector/C++ spells it
// ("BIGINT UNSIGNED", "DECIMAL", "VARCHAR"). BIT, YEAR, dates and times are not ranged (yet).
RangeKind range_kind(std::string type_name) {
  for (char& c : type_name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (const auto space = type_name.find(' '); space != std::string::npos) type_name.resize(space);
  for (const char* integer : {"TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT"})
    if (type_name == integer) return RangeKind::Integer;
  for (const char* real : {"DECIMAL", "NUMERIC", "FLOAT", "DOUBLE", "REAL"})
    if (type_name == real) return RangeKind::Real;
  return RangeKind::None;
}

constexpr const char* kRangeableTypes = "TINYINT, SMALLINT, MEDIUMINT, INT, BIGINT, DECIMAL, FLOAT and DOUBLE";

struct SourceColumn {
  std::string name;
  std::string type_name;
};

// The rows of the load, as a FROM item: the table, or the query as a derived table.
std::string from_item(const sdk::LoadRequest& load) {
  if (load.query) return "(" + std::string(strip_statement(*load.query)) + ") AS mageio_source";
  return qualified_name(load.target.schema, load.target.table);
}

std::string describe_source(const sdk::LoadRequest& load) {
  return load.query ? std::string("the query") : "table " + load.target.describe();
}

std::vector<SourceColumn> source_columns(Session& session, const sdk::LoadRequest& load) {
  const std::string context = "cannot plan partitions of " + describe_source(load);
  try {
    auto statement = session.statement();
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery("SELECT * FROM " + from_item(load) + " LIMIT 0"));
    sql::ResultSetMetaData* metadata = result->getMetaData();
    std::vector<SourceColumn> columns;
    for (unsigned i = 1; i <= metadata->getColumnCount(); ++i)
      columns.push_back({std::string(metadata->getColumnLabel(i)), std::string(metadata->getColumnTypeName(i))});
    return columns;
  } catch (const sql::SQLException& e) {
    throw session.error(e, context);
  }
}

// The column of a single-column unique key of integer type, the primary key first; nullopt if none.
std::optional<std::string> integer_key(Session& session, const std::string& schema, const std::string& table,
                                       const std::vector<SourceColumn>& columns) {
  auto rows = session.query(
      "SELECT INDEX_NAME, MAX(COLUMN_NAME), COUNT(*) FROM information_schema.STATISTICS "
      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 "
      "GROUP BY INDEX_NAME ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME",
      {schema, table}, "cannot read the keys of " + schema + "." + table);
  for (const auto& row : rows) {
    if (!row[1] || !row[2] || *row[2] != "1") continue;
    for (const auto& column : columns)
      if (same_column(column.name, *row[1]) && range_kind(column.type_name) == RangeKind::Integer) return column.name;
  }
  return std::nullopt;
}

std::optional<int64_t> parse_integer(const std::string& text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_real(const std::string& text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// A double as the shortest text that reads back as the same double (an SQL numeric literal).
std::string real_text(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, ec == std::errc() ? end : buffer);
}

sdk::PartitionDescriptor base_descriptor(const sdk::PlanRequest& request) {
  sdk::PartitionDescriptor d(kPlugin);
  d.set("request", sdk::to_json(request.load));
  return d;
}

struct Range {
  std::optional<std::string> lo, hi;  // as SQL numeric literals; nullopt: open
};

// Ranges of an integer column: [lo, hi] cut into near-equal contiguous parts, as lo <= c < next lo.
std::vector<Range> integer_ranges(int64_t lo, int64_t hi, int64_t parts) {
  auto cuts = sdk::split_range(lo, hi, parts);
  if (cuts.empty()) cuts.emplace_back(lo, hi);
  std::vector<Range> out;
  for (size_t i = 0; i < cuts.size(); ++i) {
    Range r;
    if (i > 0) r.lo = std::to_string(cuts[i].first);
    if (i + 1 < cuts.size()) r.hi = std::to_string(cuts[i + 1].first);
    out.push_back(r);
  }
  return out;
}

std::vector<Range> real_ranges(double lo, double hi, int64_t parts) {
  if (!(hi > lo)) parts = 1;
  std::vector<Range> out;
  std::optional<std::string> previous;
  for (int64_t i = 0; i < parts; ++i) {
    Range r;
    r.lo = previous;
    if (i + 1 < parts) {
      r.hi = real_text(lo + (hi - lo) * static_cast<double>(i + 1) / static_cast<double>(parts));
      previous = r.hi;
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace

std::vector<std::string> plan_partitions(const std::shared_ptr<Session>& session, const sdk::PlanRequest& request) {
  (void)read_load_options(request.load.options);  // refuses bad options now, not in every partition
  session->host().check_cancelled();
  session->begin("plan_partitions");
  sdk::LoadRequest load = request.load;
  std::string schema;
  if (load.query) {
    if (strip_statement(*load.query).empty()) throw sdk::invalid_argument("load needs a query (it is empty)");
  } else {
    if (load.target.table.empty()) throw sdk::invalid_argument("load needs a query or a table");
    schema = resolve_schema(*session, load.target, "cannot plan partitions of");
    if (!describe_table(*session, schema, load.target.table, false))
      throw sdk::not_found("table " + schema + "." + load.target.table + " does not exist");
  }
  auto single = [&](const std::string& why) {
    if (request.partitions > 1) session->host().warning("one partition: " + why);
    return std::vector<std::string>{base_descriptor(request).text()};
  };
  if (load.limit) return single("a load with a limit is read as one stream");

  const auto columns = source_columns(*session, load);
  std::optional<SourceColumn> column;
  if (!request.partition_on.empty()) {
    for (const auto& c : columns)
      if (same_column(c.name, request.partition_on)) column = c;
    if (!column) {
      std::string list;
      for (const auto& c : columns) list += (list.empty() ? "" : ", ") + c.name;
      throw sdk::not_found("partition_on column '" + request.partition_on + "' is not a column of " +
                           describe_source(load) + " (columns: " + list + ")");
    }
    if (range_kind(column->type_name) == RangeKind::None)
      throw sdk::invalid_argument("mysql can range partitions only on " + std::string(kRangeableTypes) +
                                  " columns; column '" + column->name + "' is " + column->type_name);
  }
  // MySQL's string literals take backslash escapes (unless sql_mode has NO_BACKSLASH_ESCAPES).
  const sdk::SqlDialect dialect{.quotes = "'\"`", .backslash_escapes = session->backslash_escapes()};
  if (load.query && sdk::mentions_sql_word(*load.query, "limit", dialect))
    return single("the query has a LIMIT, which may pick other rows in each partition");
  if (!column) {
    if (load.query) return single("a query splits only with partition_on (a column to range on)");
    auto key = integer_key(*session, schema, load.target.table, columns);
    if (!key)
      return single("table " + schema + "." + load.target.table +
                    " has no single-column integer primary or unique key; give partition_on");
    for (const auto& c : columns)
      if (c.name == *key) column = c;
  }
  const std::string shown = "'" + column->name + "'";
  const RangeKind kind = range_kind(column->type_name);
  const std::string bound_column = "mysql column " + shown;
  const char* ranged = "mysql ranges integer, DECIMAL, FLOAT and DOUBLE values";
  auto lower = sdk::numeric_bound(request.lower_bound, MAGEIO_REQUEST_LOWER_BOUND, bound_column, ranged);
  auto upper = sdk::numeric_bound(request.upper_bound, MAGEIO_REQUEST_UPPER_BOUND, bound_column, ranged);
  if (lower && upper && *lower > *upper)
    throw sdk::invalid_argument("'lower_bound' is above 'upper_bound' for column " + shown);
  if (request.partitions == 1) return {base_descriptor(request).text()};

  const std::string c = quote_identifier(column->name);
  auto minmax = session->query("SELECT MIN(" + c + "), MAX(" + c + ") FROM " + from_item(load), {},
                               "cannot plan partitions on column " + shown);
  const auto& row = minmax.at(0);
  if (!row[0] && !lower && !upper) return single("column " + shown + " has no values to range on");

  std::vector<Range> ranges;
  bool integer = kind == RangeKind::Integer;
  const bool bounds_integral = (!lower || std::floor(*lower) == *lower) && (!upper || std::floor(*upper) == *upper);
  if (integer && bounds_integral) {
    std::optional<int64_t> lo = lower ? std::optional<int64_t>(static_cast<int64_t>(*lower)) : std::nullopt;
    std::optional<int64_t> hi = upper ? std::optional<int64_t>(static_cast<int64_t>(*upper)) : std::nullopt;
    if (!lo && row[0]) lo = parse_integer(*row[0]);
    if (!hi && row[1]) hi = parse_integer(*row[1]);
    if (!lo || !hi) {
      // BIGINT UNSIGNED beyond 2^63-1 (or only one bound given over an empty column): ranged as doubles.
      integer = false;
    } else {
      ranges = integer_ranges(*lo, *hi, request.partitions);
    }
  } else {
    integer = false;
  }
  if (!integer) {
    std::optional<double> lo = lower, hi = upper;
    if (!lo && row[0]) lo = parse_real(*row[0]);
    if (!hi && row[1]) hi = parse_real(*row[1]);
    if (!lo) lo = hi;
    if (!hi) hi = lo;
    if (!lo) return single("column " + shown + " has no values to range on");
    ranges = real_ranges(*lo, *hi, request.partitions);
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < ranges.size(); ++i) {
    sdk::PartitionDescriptor d = base_descriptor(request);
    d.set("column", column->name).set("kind", integer ? "integer" : "real");
    if (ranges[i].lo) d.set("lo", *ranges[i].lo);
    if (ranges[i].hi) d.set("hi", *ranges[i].hi);
    if (i == 0) d.set("nulls", int64_t{1});
    out.push_back(d.text());
  }
  return out;
}

std::unique_ptr<sdk::BatchSource> load_partition(const std::shared_ptr<Session>& session, const std::string& text) {
  session->host().check_cancelled();
  auto d = sdk::PartitionDescriptor::parse(text, kPlugin);
  sdk::LoadRequest load = sdk::parse_load_request(d.string("request"));
  auto column = d.optional_string("column");
  if (!column) return load_rows(session, std::move(load));
  const bool integer = d.string("kind") == "integer";
  if (!integer && d.string("kind") != "real")
    throw sdk::invalid_argument("partition descriptor of mysql has an unknown kind '" + d.string("kind") + "'");
  // Every bound is parsed and printed again, so nothing but a number reaches the SQL.
  auto literal = [&](const char* key) -> std::optional<std::string> {
    auto value = d.optional_string(key);
    if (!value) return std::nullopt;
    if (integer) {
      if (auto number = parse_integer(*value)) return std::to_string(*number);
    } else if (auto number = parse_real(*value)) {
      return real_text(*number);
    }
    throw sdk::invalid_argument("partition descriptor of mysql holds a bad " +
                                std::string(integer ? "integer" : "number") + " '" + *value + "' for '" + key + "'");
  };
  const std::string c = quote_identifier(*column);
  std::string where;
  if (auto lo = literal("lo")) where = c + " >= " + *lo;
  if (auto hi = literal("hi")) where += (where.empty() ? "" : " AND ") + c + " < " + *hi;
  if (where.empty()) where = "TRUE";
  if (d.optional_integer("nulls").value_or(0) != 0) where = "(" + where + ") OR " + c + " IS NULL";
  return load_rows(session, std::move(load), where);
}

}  // namespace mageio::mysql
