#include "pg_partitions.hpp"

#include "pg_catalog.hpp"
#include "pg_load.hpp"
#include "pg_sql.hpp"
#include "pg_types.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

namespace mageio::postgres {
namespace {

constexpr const char* kPlugin = "postgres";
constexpr const char* kRangeableTypes =
    "smallint, integer, bigint, numeric, real, double precision, date, timestamp and timestamp with time zone";
// How long a partition waits for its lock on the table. The planner holds ACCESS SHARE on it, so a wait
// means a TRUNCATE/ALTER/VACUUM FULL queued behind the plan, which can only run once the load ended.
constexpr const char* kPartitionLockTimeout = "10s";

enum class Kind { Integer, Numeric, Float, Date, Timestamp };

struct RangeType {
  Oid oid;
  const char* sql;  // the cast target, also the descriptor's "type"
  Kind kind;
};

constexpr RangeType kRangeTypes[] = {
    {oid::kInt2, "smallint", Kind::Integer},
    {oid::kInt4, "integer", Kind::Integer},
    {oid::kInt8, "bigint", Kind::Integer},
    {oid::kNumeric, "numeric", Kind::Numeric},
    {oid::kFloat4, "real", Kind::Float},
    {oid::kFloat8, "double precision", Kind::Float},
    {oid::kDate, "date", Kind::Date},
    {oid::kTimestamp, "timestamp", Kind::Timestamp},
    {oid::kTimestamptz, "timestamptz", Kind::Timestamp},
};

const RangeType* range_type_of(Oid type_oid) {
  for (const auto& type : kRangeTypes)
    if (type.oid == type_oid) return &type;
  return nullptr;
}

const RangeType* range_type_named(const std::string& name) {
  for (const auto& type : kRangeTypes)
    if (name == type.sql) return &type;
  return nullptr;
}

// A SQL string literal of `text` (PQescapeLiteral: quotes and backslashes escaped as the server needs).
std::string literal(Connection& connection, const std::string& text) {
  char* escaped = PQescapeLiteral(connection.raw(), text.data(), text.size());
  if (escaped == nullptr)
    throw sdk::Error(MAGEIO_STATUS_INTERNAL,
                     "cannot quote a partition bound: " + connection.mask(PQerrorMessage(connection.raw())));
  std::string out(escaped);
  PQfreemem(escaped);
  return out;
}

std::string lower_ascii(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

struct Source {
  std::string query;  // the user's query, stripped; empty for a table
  std::string schema, table;
  std::string select() const {
    return query.empty() ? "SELECT * FROM " + qualified_name(schema, table)
                         : "SELECT * FROM (\n" + query + "\n) AS mageio_partition";
  }
  std::string describe() const { return query.empty() ? "table " + schema + "." + table : "the query"; }
};

sdk::PartitionDescriptor base_descriptor(const Source& source, const sdk::PlanRequest& request, bool numeric_as_text) {
  sdk::PartitionDescriptor d(kPlugin);
  if (!source.query.empty())
    d.set("query", source.query);
  else
    d.set("schema", source.schema).set("table", source.table);
  d.set("batch_rows", request.load.batch_rows);
  d.set("numeric_as_text", int64_t{numeric_as_text ? 1 : 0});
  return d;
}

// Plan nodes after which a query gives other rows (LIMIT without a total order) or no speed-up
// (aggregates, DISTINCT, windows, set operations: every partition would compute all of it), or that
// sample or write.
std::optional<std::string> unsplittable_node(Connection& connection, const std::string& query) {
  Result plan = connection.exec("EXPLAIN (FORMAT JSON, COSTS OFF) " + query, "cannot plan partitions of the query");
  if (!plan || plan.rows() == 0) return std::nullopt;
  std::string text;
  for (int row = 0; row < plan.rows(); ++row) text += plan.value(row, 0);
  for (const char* node : {"Limit", "Aggregate", "WindowAgg", "Unique", "SetOp", "Group", "Sample Scan", "LockRows",
                           "ModifyTable", "Recursive Union"})
    if (text.find(std::string("\"Node Type\": \"") + node + "\"") != std::string::npos) return std::string(node);
  return std::nullopt;
}

// The request's bound for a column of `type`, as the server's text of it in that type.
std::optional<std::string> request_bound(Connection& connection, const std::optional<sdk::PartitionBound>& bound,
                                         const char* key, const RangeType& type, const std::string& shown) {
  if (!bound) return std::nullopt;
  const bool is_string = std::holds_alternative<std::string>(*bound);
  const bool is_integer = std::holds_alternative<int64_t>(*bound);
  bool fits = false;
  const char* wanted = "";
  switch (type.kind) {
    case Kind::Integer:
      fits = is_integer;
      wanted = "an integer";
      break;
    case Kind::Numeric:
    case Kind::Float:
      fits = !is_string || type.kind == Kind::Numeric;
      wanted = type.kind == Kind::Numeric ? "a number (or a string of its exact decimal text)" : "a number";
      break;
    case Kind::Date:
    case Kind::Timestamp:
      fits = is_string;
      wanted = "a string (\"2024-01-31\", \"2024-01-31 12:00:00\")";
      break;
  }
  if (!fits)
    throw sdk::invalid_argument(std::string("'") + key + "' for postgres column " + shown + " (" + type.sql +
                                ") must be " + wanted + ", not " + sdk::describe(*bound));
  const std::string text = sdk::bound_text(*bound);
  try {
    Result parsed = connection.exec_params(std::string("SELECT $1::") + type.sql + "::text", {text},
                                           std::string("'") + key + "' is not a valid " + type.sql);
    return parsed.value(0, 0);
  } catch (const sdk::Error& error) {
    if (error.status() == MAGEIO_STATUS_UNAVAILABLE || error.status() == MAGEIO_STATUS_CANCELLED) throw;
    throw sdk::Error(MAGEIO_STATUS_INVALID_ARGUMENT,
                     std::string("'") + key + "' '" + text + "' is not a valid " + type.sql + " for column " + shown +
                         ": " + error.what(),
                     error.sqlstate());
  }
}

// The values strictly inside (lo, hi] that cut [lo, hi] into `ranges` near-equal ranges, computed by the
// server in the column's own type, distinct and in order (fewer when the range holds fewer values).
std::vector<std::string> boundaries(Connection& connection, const RangeType& type, const std::string& lo,
                                    const std::string& hi, int64_t ranges) {
  if (ranges < 2) return {};
  const std::string t = type.sql;
  std::string work, expr;  // the type b is computed in, and b for step i of $3
  switch (type.kind) {
    case Kind::Integer:
      work = "numeric";
      expr = "$1::numeric + ceil(($2::numeric - $1::numeric + 1) * i / $3::int)";
      break;
    case Kind::Numeric:
      work = "numeric";
      expr = "$1::numeric + ($2::numeric - $1::numeric) * i / $3::int";
      break;
    case Kind::Float:
      work = t;
      // A weighted mean: no overflow when hi - lo does not fit.
      expr = "($1::float8 * (1 - i::float8 / $3::int) + $2::float8 * (i::float8 / $3::int))::" + t;
      break;
    case Kind::Date:
      work = t;
      expr = "$1::date + ceil(($2::date - $1::date + 1)::numeric * i / $3::int)::int";
      break;
    case Kind::Timestamp:
      work = t;
      expr = "$1::" + t + " + ($2::" + t + " - $1::" + t + ") * (i::float8 / $3::int)";
      break;
  }
  const std::string sql = "SELECT b::" + t + "::text AS bound FROM (SELECT DISTINCT " + expr +
                          " AS b FROM generate_series(1, $3::int - 1) AS i) AS s WHERE b > $1::" + work +
                          " AND b <= $2::" + work + " ORDER BY s.b";
  Result result = connection.exec_params(sql, {lo, hi, std::to_string(ranges)}, "cannot compute partition bounds");
  std::vector<std::string> out;
  for (int row = 0; result && row < result.rows(); ++row) out.push_back(result.value(row, 0));
  return out;
}

// The finite non-NULL values of a column (min and max skip infinities and NaN, which the open ends hold).
std::string finite_filter(const RangeType& type, const std::string& column, int server_version) {
  switch (type.kind) {
    case Kind::Integer: return column + " IS NOT NULL";
    case Kind::Numeric:
      return server_version >= 140000 ? column + " NOT IN ('NaN', 'Infinity', '-Infinity')" : column + " <> 'NaN'";
    case Kind::Float: return column + " NOT IN ('NaN', 'Infinity', '-Infinity')";
    case Kind::Date:
    case Kind::Timestamp: return "isfinite(" + column + ")";
  }
  return column + " IS NOT NULL";
}

bool snapshot_id_ok(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == '-'; });
}

}  // namespace

void end_plan_snapshot(ConnectionPool::Lease& snapshot) noexcept {
  Connection* connection = snapshot.get();
  if (connection == nullptr) return;
  try {
    Connection::CleanupScope cleanup(*connection);
    if (connection->reusable() && connection->in_transaction()) connection->exec("ROLLBACK", "ROLLBACK failed");
  } catch (...) {
  }
  if (!connection->usable() || connection->in_transaction()) snapshot.discard();
  snapshot = ConnectionPool::Lease();
}

PartitionPlan plan_partitions(ConnectionPool& pool, const sdk::PlanRequest& request) {
  const sdk::Options& options = request.load.options;
  const bool numeric_as_text = options.get_bool("numeric_as_text").value_or(false);
  options.finish();
  if (request.load.batch_rows <= 0) throw sdk::invalid_argument("batch_rows must be positive");
  Source source;
  if (request.load.query) {
    source.query = strip_query(*request.load.query);
    if (source.query.empty()) throw sdk::invalid_argument("the query is empty");
  } else {
    if (request.load.target.is_path()) throw sdk::invalid_argument("postgres loads tables or queries, not paths");
    if (request.load.target.table.empty()) throw sdk::invalid_argument("give a query or a table to load");
    source.schema = request.load.target.schema.empty() ? pool.settings().default_schema : request.load.target.schema;
    source.table = request.load.target.table;
  }
  const sdk::Host& host = pool.host();
  host.check_cancelled();

  // A connection of its own: its transaction (and snapshot) may stay open after the plan.
  ConnectionPool::Lease lease = pool.acquire_new();
  Connection& connection = *lease;
  PartitionPlan plan;
  try {
    const std::string what = "cannot plan partitions of " + source.describe();
    connection.exec(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL extra_float_digits = 3; "
        "SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'",
        what);
    const std::string snapshot = connection.exec("SELECT pg_export_snapshot()", what).value(0, 0);
    std::optional<char> kind;
    if (source.query.empty()) {
      kind = relation_kind(connection, source.schema, source.table);
      if (!kind) throw sdk::not_found("table " + source.schema + "." + source.table + " does not exist");
    }
    // The result's columns, as a load would see them (also checks the query compiles).
    Result described = connection.describe(source.query.empty() ? source.select() : source.query,
                                           source.query.empty() ? "cannot load " + source.describe() : "query failed");
    if (described.columns() == 0)
      throw sdk::invalid_argument("the statement returns no rows to load (" + excerpt(source.query) + "); use execute");
    std::vector<std::pair<std::string, Oid>> columns;
    for (int c = 0; c < described.columns(); ++c)
      columns.emplace_back(PQfname(described.get(), c), PQftype(described.get(), c));
    described.reset();

    auto single = [&](const std::string& why) {
      if (request.partitions > 1) host.warning("one partition: " + why);
      end_plan_snapshot(lease);
      plan.descriptors = {base_descriptor(source, request, numeric_as_text).text()};
      return std::move(plan);
    };

    // The partition column, checked whatever the partition count: a bad request is an error at 1 too.
    const RangeType* type = nullptr;
    std::string column, shown;
    if (!request.partition_on.empty()) {
      int exact = 0, folded = 0;
      std::string folded_name;
      for (const auto& [name, type_oid] : columns) {
        if (name == request.partition_on) ++exact;
        if (lower_ascii(name) == lower_ascii(request.partition_on)) ++folded, folded_name = name;
      }
      if (exact == 0 && folded == 1) column = folded_name;
      if (exact == 1) column = request.partition_on;
      if (exact > 1 || (exact == 0 && folded > 1))
        throw sdk::invalid_argument("partition_on column '" + request.partition_on +
                                    "' names more than one column of " + source.describe() +
                                    "; rename them apart in the query");
      if (column.empty()) {
        std::string list;
        for (const auto& entry : columns) list += (list.empty() ? "" : ", ") + entry.first;
        throw sdk::not_found("partition_on column '" + request.partition_on + "' is not a column of " +
                             source.describe() + " (columns: " + list + ")");
      }
      shown = "'" + column + "'";
      Oid type_oid = 0;
      for (const auto& entry : columns)
        if (entry.first == column) type_oid = entry.second;
      type = range_type_of(type_oid);
      if (type == nullptr) {
        Result name =
            connection.exec_params("SELECT pg_catalog.format_type($1::oid, NULL)", {std::to_string(type_oid)}, what);
        throw sdk::invalid_argument(
            "postgres ranges partitions only on " + std::string(kRangeableTypes) + " columns; column " + shown +
            " of " + source.describe() + " is " +
            (name && name.rows() == 1 ? name.value(0, 0) : "of type " + std::to_string(type_oid)));
      }
    }
    const auto lower =
        type ? request_bound(connection, request.lower_bound, MAGEIO_REQUEST_LOWER_BOUND, *type, shown) : std::nullopt;
    const auto upper =
        type ? request_bound(connection, request.upper_bound, MAGEIO_REQUEST_UPPER_BOUND, *type, shown) : std::nullopt;
    if (lower && upper) {
      Result above = connection.exec_params(std::string("SELECT $1::") + type->sql + " > $2::" + type->sql,
                                            {*lower, *upper}, what);
      if (above.value(0, 0) == "t")
        throw sdk::invalid_argument("'lower_bound' (" + *lower + ") is above 'upper_bound' (" + *upper +
                                    ") for column " + shown);
    }
    if (request.load.limit) return single("a load with a limit is read as one stream");
    if (request.partitions == 1) return single("");
    const int server_version = PQserverVersion(connection.raw());

    if (!source.query.empty()) {
      if (!type) return single("a query splits only with partition_on (a column of its result to range on)");
      if (auto node = unsplittable_node(connection, source.query))
        return single("the query's plan has a node " + *node +
                      " node (LIMIT, aggregates, DISTINCT, windows, set operations or sampling): each partition "
                      "would run all of it again, and a LIMIT may pick other rows each time");
    } else {
      // The table keeps its rows where the plan saw them until the load ends (no TRUNCATE, VACUUM FULL,
      // CLUSTER or ALTER TABLE rewrite meanwhile).
      connection.exec("LOCK TABLE " + qualified_name(source.schema, source.table) + " IN ACCESS SHARE MODE", what);
    }

    std::vector<sdk::PartitionDescriptor> parts;
    auto part = [&] {
      sdk::PartitionDescriptor d = base_descriptor(source, request, numeric_as_text);
      d.set("snapshot", snapshot);
      return d;
    };
    if (type) {
      const std::string c = quote_identifier(column, "column");
      const std::string from = source.select();
      Result range = connection.exec("SELECT min(" + c + ")::text, max(" + c + ")::text FROM (" + from +
                                         ") AS r WHERE " + finite_filter(*type, c, server_version),
                                     what);
      Result nulls = connection.exec("SELECT EXISTS (SELECT 1 FROM (" + from + ") AS r WHERE " + c + " IS NULL)", what);
      const bool has_nulls = nulls.value(0, 0) == "t";
      std::optional<std::string> lo = lower, hi = upper;
      if (!range.is_null(0, 0)) {
        if (!lo) lo = range.value(0, 0);
        if (!hi) hi = range.value(0, 1);
      }
      if (!lo && !hi) return single("column " + shown + " has no finite values to range on");
      if (!lo) lo = hi;
      if (!hi) hi = lo;
      // A request bound beyond the data on the other side: one range from it.
      Result above =
          connection.exec_params(std::string("SELECT $1::") + type->sql + " > $2::" + type->sql, {*lo, *hi}, what);
      if (above.value(0, 0) == "t") (lower ? hi : lo) = lower ? *lo : *hi;
      const int64_t ranges = std::max<int64_t>(1, request.partitions - (has_nulls ? 1 : 0));
      const auto cuts = boundaries(connection, *type, *lo, *hi, ranges);
      if (cuts.empty() && !has_nulls) return single("column " + shown + " holds one value in range");
      for (size_t i = 0; i <= cuts.size(); ++i) {
        sdk::PartitionDescriptor d = part();
        d.set("split", "column").set("column", column).set("type", type->sql);
        if (i > 0) d.set("lo", cuts[i - 1]);
        if (i < cuts.size()) d.set("hi", cuts[i]);
        parts.push_back(std::move(d));
      }
      if (has_nulls) {
        sdk::PartitionDescriptor d = part();
        d.set("split", "column").set("column", column).set("type", type->sql).set("nulls", int64_t{1});
        parts.push_back(std::move(d));
      }
    } else {
      if (*kind != 'r')
        return single("only a plain table splits into page ranges (" + source.describe() +
                      " is a view, a partitioned, foreign table or materialized view); give partition_on");
      if (server_version < 140000)
        return single("page ranges need TID range scans (PostgreSQL 14 or later); give partition_on");
      Result pages = connection.exec_params(
          "SELECT pg_catalog.pg_relation_size(c.oid) / current_setting('block_size')::int8 "
          "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
          "WHERE n.nspname = $1 AND c.relname = $2",
          {source.schema, source.table}, what);
      const int64_t count = pages && pages.rows() == 1 ? std::stoll(pages.value(0, 0)) : 0;
      if (count == 0) return single(source.describe() + " is empty");
      const auto ranges = sdk::split_range(0, count - 1, request.partitions);
      if (ranges.size() < 2) return single(source.describe() + " has one page");
      for (size_t i = 0; i < ranges.size(); ++i) {
        sdk::PartitionDescriptor d = part();
        d.set("split", "ctid");
        if (i > 0) d.set("page_lo", ranges[i].first);
        if (i + 1 < ranges.size()) d.set("page_hi", ranges[i + 1].first);
        parts.push_back(std::move(d));
      }
    }
    for (const auto& d : parts) plan.descriptors.push_back(d.text());
    host.info(std::to_string(plan.descriptors.size()) + " partitions of " + source.describe() +
              (type ? " on column " + shown : std::string(" by page ranges")) + " under snapshot " + snapshot);
    plan.snapshot = std::move(lease);
    return plan;
  } catch (...) {
    end_plan_snapshot(lease);
    throw;
  }
}

std::unique_ptr<sdk::BatchSource> load_partition(ConnectionPool& pool, const std::string& text) {
  pool.host().check_cancelled();
  const auto d = sdk::PartitionDescriptor::parse(text, kPlugin);
  Source source;
  source.query = d.optional_string("query").value_or("");
  source.schema = d.optional_string("schema").value_or("");
  source.table = d.optional_string("table").value_or("");
  if (source.query.empty() == source.table.empty() || (!source.table.empty() && source.schema.empty()))
    throw sdk::invalid_argument("partition descriptor of postgres needs a query or a schema and a table");
  const int64_t batch_rows = d.optional_integer("batch_rows").value_or(sdk::kDefaultBatchRows);
  if (batch_rows <= 0) throw sdk::invalid_argument("partition descriptor of postgres has a batch_rows below 1");
  const bool numeric_as_text = d.optional_integer("numeric_as_text").value_or(0) != 0;
  const auto snapshot = d.optional_string("snapshot");
  if (snapshot && !snapshot_id_ok(*snapshot))
    throw sdk::invalid_argument("partition descriptor of postgres holds a malformed snapshot id");
  const std::string split = d.optional_string("split").value_or("");

  ConnectionPool::Lease lease = pool.acquire(true);
  Connection& connection = *lease;
  std::string where, what = "cannot load partition of " + source.describe();
  try {
    if (split == "ctid") {
      const auto lo = d.optional_integer("page_lo"), hi = d.optional_integer("page_hi");
      for (const auto& page : {lo, hi})
        if (page && (*page < 0 || *page > 0xFFFFFFFFLL))
          throw sdk::invalid_argument("partition descriptor of postgres holds a page number out of range");
      if (!source.query.empty())
        throw sdk::invalid_argument("partition descriptor of postgres: page ranges need a table");
      if (lo) where = "ctid >= '(" + std::to_string(*lo) + ",0)'::tid";
      if (hi) where += std::string(where.empty() ? "" : " AND ") + "ctid < '(" + std::to_string(*hi) + ",0)'::tid";
      what += " (pages " + (lo ? std::to_string(*lo) : std::string("0")) + " to " +
              (hi ? std::to_string(*hi - 1) : std::string("the end")) + ")";
    } else if (split == "column") {
      const RangeType* type = range_type_named(d.string("type"));
      if (type == nullptr)
        throw sdk::invalid_argument("partition descriptor of postgres names a type it cannot range on: " +
                                    d.string("type"));
      const std::string c = quote_identifier(d.string("column"), "column");
      if (d.optional_integer("nulls").value_or(0) != 0) {
        where = c + " IS NULL";
        what += " (" + c + " IS NULL)";
      } else {
        const auto lo = d.optional_string("lo"), hi = d.optional_string("hi");
        if (lo) where = c + " >= " + literal(connection, *lo) + "::" + type->sql;
        if (hi)
          where += std::string(where.empty() ? "" : " AND ") + c + " < " + literal(connection, *hi) + "::" + type->sql;
        if (where.empty()) where = c + " IS NOT NULL";
        what += " (" + c + " from " + lo.value_or("the lowest") + " to below " + hi.value_or("the highest") + ")";
      }
    } else if (!split.empty()) {
      throw sdk::invalid_argument("partition descriptor of postgres has an unknown split '" + split + "'");
    }
    if (snapshot) {
      connection.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", what);
      try {
        connection.exec("SET TRANSACTION SNAPSHOT " + literal(connection, *snapshot), what);
      } catch (const sdk::Error& error) {
        if (error.status() == MAGEIO_STATUS_CANCELLED) throw;
        throw sdk::Error(MAGEIO_STATUS_UNAVAILABLE,
                         what + ": the plan's snapshot " + *snapshot +
                             " is gone (the instance that planned was closed or planned again, or the server "
                             "restarted); plan again and load every partition while the planner stays open (" +
                             error.what() + ")",
                         error.sqlstate());
      }
      if (!source.table.empty())
        connection.exec(std::string("SET LOCAL lock_timeout = '") + kPartitionLockTimeout + "'", what);
    }
  } catch (...) {
    if (snapshot) lease.discard();
    throw;
  }
  std::string sql = source.select();
  if (!where.empty()) sql += " WHERE " + where;
  try {
    return load_query(std::move(lease), sql, numeric_as_text, std::nullopt,
                      CopyOutOptions{batch_rows, true, what, snapshot.has_value()});
  } catch (const sdk::Error& error) {
    if (error.sqlstate() != "55P03" || !snapshot) throw;
    throw sdk::Error(MAGEIO_STATUS_UNAVAILABLE,
                     what + ": waited " + kPartitionLockTimeout + " for table " + source.schema + "." + source.table +
                         ", which a TRUNCATE, ALTER TABLE or VACUUM FULL queued behind the plan "
                         "holds up; it can only run once the partitioned load ended: retry after it (" +
                         error.what() + ")",
                     error.sqlstate());
  }
}

}  // namespace mageio::postgres
