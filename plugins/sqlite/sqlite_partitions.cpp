#include "sqlite_partitions.hpp"

#include "sqlite_catalog.hpp"
#include "sqlite_load.hpp"

#include <mageio/sdk/sql_text.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

namespace mageio::sqlite {
namespace {

constexpr const char* kPlugin = "sqlite";

// The rows of the load without partitions, as SQL: the table or the user's query as a subquery.
std::string source_sql(const std::string& query, const std::string& schema, const std::string& table) {
  if (!query.empty()) return "SELECT * FROM (\n" + query + "\n)";
  return "SELECT * FROM " + qualified_name(schema, table);
}

std::string strip_terminator(std::string sql) {
  while (!sql.empty() && (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) sql.pop_back();
  return sql;
}

std::string real_text(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

double parse_real(const std::string& text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    throw sdk::invalid_argument("partition descriptor of sqlite holds a bad number '" + text + "'");
  return value;
}

sdk::PartitionDescriptor base_descriptor(const sdk::PlanRequest& request, const std::string& schema,
                                         const std::string& query) {
  sdk::PartitionDescriptor d(kPlugin);
  if (!query.empty())
    d.set("query", query);
  else
    d.set("schema", schema).set("table", request.load.target.table);
  d.set("batch_rows", request.load.batch_rows);
  return d;
}

std::vector<std::string> one_partition(const sdk::PlanRequest& request, const std::string& schema,
                                       const std::string& query) {
  return {base_descriptor(request, schema, query).text()};
}

struct ColumnRange {
  bool any = false;  // a non-NULL value exists
  bool integers = true;
  int64_t int_lo = 0, int_hi = 0;
  double real_lo = 0, real_hi = 0;
};

// min/max of `column` over the source; refuses values that are not numbers.
ColumnRange column_range(const std::shared_ptr<Database>& db, const std::string& source, const std::string& column,
                         const std::string& shown) {
  const std::string c = quote_identifier(column);
  Statement check(db,
                  "SELECT count(*) FILTER (WHERE typeof(" + c + ") NOT IN ('integer', 'real', 'null')), " +
                      "count(*) FILTER (WHERE typeof(" + c + ") = 'real'), min(" + c + "), max(" + c + ") FROM (" +
                      source + ")",
                  "cannot plan partitions on column " + shown);
  check.step("cannot plan partitions on column " + shown);
  sqlite3_stmt* s = check.get();
  if (sqlite3_column_int64(s, 0) > 0)
    throw sdk::invalid_argument(
        "sqlite can range partitions only on integer or real values (INTEGER, REAL, "
        "NUMERIC columns, rowid); column " +
        shown + " holds text or blobs");
  ColumnRange range;
  range.integers = sqlite3_column_int64(s, 1) == 0;
  range.any = sqlite3_column_type(s, 2) != SQLITE_NULL;
  if (!range.any) return range;
  range.int_lo = sqlite3_column_int64(s, 2);
  range.int_hi = sqlite3_column_int64(s, 3);
  range.real_lo = sqlite3_column_double(s, 2);
  range.real_hi = sqlite3_column_double(s, 3);
  return range;
}

}  // namespace

std::vector<std::string> plan_partitions(const std::shared_ptr<Database>& db, const sdk::PlanRequest& request) {
  request.load.options.finish();
  db->host().check_cancelled();
  const char* file = sqlite3_db_filename(db->get(), "main");
  if (file == nullptr || *file == '\0')
    throw sdk::invalid_argument(
        "an in-memory sqlite database belongs to one connection: partitions, read on other "
        "connections, cannot see it; load it without partitions");
  std::string query, schema;
  if (request.load.query) {
    query = strip_terminator(*request.load.query);
    // Compiles it as given, so errors point into the user's SQL.
    Statement probe(db, query, "query failed");
    if (probe.column_count() == 0)
      throw sdk::invalid_argument("the load query returns no columns; run statements with execute");
  } else {
    schema = schema_of(request.load.target, "load");
    if (!object_type(db, schema, request.load.target.table))
      throw sdk::not_found("table " + schema + "." + request.load.target.table + " does not exist");
  }
  const std::string source = source_sql(query, schema, request.load.target.table);
  auto single = [&](const std::string& why) {
    if (request.partitions > 1) db->host().warning("one partition: " + why);
    return one_partition(request, schema, query);
  };
  if (request.load.limit) return single("a load with a limit is read as one stream");

  std::string column = request.partition_on;
  std::string shown;
  if (!column.empty()) {
    Statement probe(db, source, "cannot plan partitions");
    // One step first: it makes SQLite prepare the statement again if another connection changed the
    // schema since this one last read it, so that the names below are the table's as it is now.
    (void)probe.step("cannot plan partitions");
    std::vector<std::string> names;
    bool found = false;
    for (int i = 0; i < probe.column_count(); ++i) {
      const char* name = sqlite3_column_name(probe.get(), i);
      names.emplace_back(name ? name : "");
      if (name != nullptr && same_identifier(name, column)) {
        column = name;
        found = true;
      }
    }
    if (!found) {
      std::string list;
      for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
      throw sdk::not_found("partition_on column '" + request.partition_on + "' is not a column of " +
                           (query.empty() ? "table " + schema + "." + request.load.target.table : "the query") +
                           " (columns: " + list + ")");
    }
    shown = "'" + column + "'";
  }
  // A conservative test: a partitioned query is evaluated once per partition, and a LIMIT without a
  // total order may pick other rows each time. SQLite quotes with '', "", `` and [].
  if (!query.empty() && sdk::mentions_sql_word(query, "limit", {.quotes = "'\"`[", .backslash_escapes = false}))
    return single("the query has a LIMIT, which may pick other rows in each partition");
  if (column.empty()) {
    if (!query.empty()) return single("a query splits only with partition_on (a column to range on)");
    if (*object_type(db, schema, request.load.target.table) != "table")
      return single("a view has no rowid to range on; give partition_on");
    for (const auto& c : table_columns(db, schema, request.load.target.table))
      if (same_identifier(c.name, "rowid") || same_identifier(c.name, "_rowid_") || same_identifier(c.name, "oid"))
        return single("a column named " + c.name + " hides the rowid; give partition_on");
    try {
      Statement rowid_probe(db, "SELECT rowid FROM " + qualified_name(schema, request.load.target.table) + " LIMIT 0",
                            "rowid probe");
    } catch (const sdk::Error&) {
      return single("a WITHOUT ROWID table has no rowid to range on; give partition_on");
    }
    column = "rowid";
    shown = "rowid";
  }
  // The rowid is not a column of "SELECT * FROM t": read it under its own name.
  const std::string column_source =
      column == "rowid" && request.partition_on.empty()
          ? "SELECT rowid AS \"rowid\" FROM " + qualified_name(schema, request.load.target.table)
          : source;
  const std::string bound_column = "sqlite column " + shown;
  const char* ranged = "sqlite ranges integer and real values";
  if (request.partitions == 1) {
    // Still check the column and the bounds: a bad request is an error at any partition count.
    (void)sdk::numeric_bound(request.lower_bound, MAGEIO_REQUEST_LOWER_BOUND, bound_column, ranged);
    (void)sdk::numeric_bound(request.upper_bound, MAGEIO_REQUEST_UPPER_BOUND, bound_column, ranged);
    (void)column_range(db, column_source, column, shown);
    return one_partition(request, schema, query);
  }
  auto lower = sdk::numeric_bound(request.lower_bound, MAGEIO_REQUEST_LOWER_BOUND, bound_column, ranged);
  auto upper = sdk::numeric_bound(request.upper_bound, MAGEIO_REQUEST_UPPER_BOUND, bound_column, ranged);
  ColumnRange range = column_range(db, column_source, column, shown);
  if (!range.any && !lower && !upper) return single("column " + shown + " has no values to range on");
  if (lower && upper && *lower > *upper)
    throw sdk::invalid_argument("'lower_bound' is above 'upper_bound' for column " + shown);
  std::vector<std::string> out;
  auto add = [&](std::optional<std::string> lo, std::optional<std::string> hi, bool integer, bool first) {
    sdk::PartitionDescriptor d = base_descriptor(request, schema, query);
    d.set("column", column).set("kind", integer ? "integer" : "real");
    if (lo && !first) d.set("lo", *lo);
    if (hi) d.set("hi", *hi);
    if (first && column != "rowid") d.set("nulls", int64_t{1});
    out.push_back(d.text());
  };
  const bool bounds_integral = (!lower || std::floor(*lower) == *lower) && (!upper || std::floor(*upper) == *upper);
  if (range.integers && bounds_integral) {
    int64_t lo = lower ? static_cast<int64_t>(*lower) : range.int_lo;
    int64_t hi = upper ? static_cast<int64_t>(*upper) : range.int_hi;
    if (!range.any) lo = lower ? lo : hi, hi = upper ? hi : lo;
    auto ranges = sdk::split_range(lo, hi, request.partitions);
    if (ranges.empty()) ranges.emplace_back(lo, hi);
    for (size_t i = 0; i < ranges.size(); ++i) {
      // Integer ranges [first, second] as lo <= c < next lo: the last is open above.
      std::optional<std::string> hi_text;
      if (i + 1 < ranges.size()) hi_text = std::to_string(ranges[i + 1].first);
      add(std::to_string(ranges[i].first), hi_text, true, i == 0);
    }
  } else {
    double lo = lower ? *lower : range.real_lo;
    double hi = upper ? *upper : range.real_hi;
    if (!range.any) lo = lower ? lo : hi, hi = upper ? hi : lo;
    const int64_t parts = hi > lo ? request.partitions : 1;
    double previous = lo;
    for (int64_t i = 0; i < parts; ++i) {
      std::optional<std::string> hi_text;
      double next = lo + (hi - lo) * static_cast<double>(i + 1) / static_cast<double>(parts);
      if (i + 1 < parts) hi_text = real_text(next);
      add(real_text(previous), hi_text, false, i == 0);
      previous = next;
    }
  }
  return out;
}

std::unique_ptr<sdk::BatchSource> load_partition(const std::shared_ptr<Database>& db, const std::string& text) {
  db->host().check_cancelled();
  auto d = sdk::PartitionDescriptor::parse(text, kPlugin);
  const std::string query = d.optional_string("query").value_or("");
  const std::string schema = d.optional_string("schema").value_or("main");
  const std::string table = d.optional_string("table").value_or("");
  if (query.empty() == table.empty())
    throw sdk::invalid_argument("partition descriptor of sqlite needs a query or a table");
  const int64_t batch_rows = std::max<int64_t>(1, d.optional_integer("batch_rows").value_or(65536));
  std::string sql = source_sql(query, schema, table);
  const std::string what = query.empty() ? "cannot read table " + schema + "." + table : "query failed";
  if (query.empty() && !object_type(db, schema, table))
    throw sdk::not_found("table " + schema + "." + table + " does not exist (dropped after the plan?)");
  std::optional<std::string> lo, hi;
  bool integer = true, nulls = false;
  if (auto column = d.optional_string("column")) {
    const std::string c = *column == "rowid" && query.empty() ? "rowid" : quote_identifier(*column);
    integer = d.string("kind") == "integer";
    lo = d.optional_string("lo");
    hi = d.optional_string("hi");
    nulls = d.optional_integer("nulls").value_or(0) != 0;
    std::string where;
    if (lo) where = c + " >= ?1";
    if (hi) where += std::string(where.empty() ? "" : " AND ") + c + " < ?2";
    if (where.empty()) where = "1";
    if (nulls) where = "(" + where + ") OR " + c + " IS NULL";
    // A rowid range reads the table itself (the rowid is not a column of a subquery).
    sql = (c == "rowid" ? sql : "SELECT * FROM (" + sql + ")") + " WHERE " + where;
  }
  Statement statement(db, sql, what);
  auto bind = [&](int index, const std::optional<std::string>& value) {
    if (!value) return;
    if (integer) {
      int64_t number = 0;
      auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), number);
      if (ec != std::errc() || end != value->data() + value->size())
        throw sdk::invalid_argument("partition descriptor of sqlite holds a bad integer '" + *value + "'");
      statement.bind_int(index, number);
    } else {
      statement.bind_double(index, parse_real(*value));
    }
  };
  bind(1, lo);
  bind(2, hi);
  return make_row_source(std::move(statement), batch_rows, std::nullopt, what);
}

}  // namespace mageio::sqlite
