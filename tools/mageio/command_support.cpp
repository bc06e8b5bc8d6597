#include "command_support.hpp"

#include "table_printer.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

namespace mageio::cli {
namespace {

// What kinds of target a plugin takes, for messages: "tables (--table)", "paths (--path)".
std::string target_kinds(const Plugin& plugin, bool load) {
  std::vector<std::string> kinds;
  if (load && plugin.has(MAGEIO_CAP_LOAD_QUERY)) kinds.push_back("SQL queries (--query)");
  if (plugin.has(MAGEIO_CAP_TABLES)) kinds.push_back("tables (--table)");
  if (plugin.has(MAGEIO_CAP_PATHS)) kinds.push_back("paths (--path)");
  if (kinds.empty()) return "nothing";
  std::string text;
  for (size_t i = 0; i < kinds.size(); ++i) text += (i == 0 ? "" : i + 1 == kinds.size() ? " and " : ", ") + kinds[i];
  return text;
}

/// The source's own error for a load that failed mid-stream, worded as load's other errors ("load: ...").
sdk::Error as_source_error(const sdk::Error& source) {
  std::string message = source.what();
  static const std::string kMarker = " failed while reading a batch: ";
  if (const size_t at = message.find(kMarker); at != std::string::npos) message.erase(0, at + kMarker.size());
  return sdk::Error(source.status(), "load: " + message, source.sqlstate(), source.vendor_code());
}

}  // namespace

std::string Target::describe() const {
  if (!table.empty()) return "table " + (schema.empty() ? table : schema + "." + table);
  if (!path.empty()) return "path " + path;
  return "query";
}

Target read_target(const ParsedArgs& args, const std::string& prefix, bool allow_query) {
  const std::string& command = args.command();
  const std::string table = prefix + "table", schema = prefix + "schema", path = prefix + "path";
  std::vector<std::string> choices;
  if (allow_query) choices.push_back("--query");
  choices.push_back(table);
  choices.push_back(path);
  const std::string chosen = exactly_one_of(args, choices);
  requires_option(args, schema, table);
  Target target;
  if (chosen == "--query") target.query = *args.get("--query");
  if (chosen == table) target.table = *args.get(table);
  if (chosen == path) target.path = *args.get(path);
  target.schema = args.get_or(schema, "");
  if (chosen == "--query" && target.query.empty()) throw UsageError(command, "--query needs an SQL statement");
  if (chosen == table && target.table.empty()) throw UsageError(command, table + " needs a table name");
  if (chosen == path && target.path.empty()) throw UsageError(command, path + " needs a path");
  if (args.has(schema) && target.schema.empty()) throw UsageError(command, schema + " needs a schema name");
  return target;
}

void check_can_load(const Plugin& plugin, const Target& target) {
  const std::string name = "plugin " + plugin.name();
  if (!plugin.has(MAGEIO_CAP_LOAD)) throw sdk::not_implemented(name + " cannot load data");
  if (!target.query.empty() && !plugin.has(MAGEIO_CAP_LOAD_QUERY))
    throw sdk::not_implemented(name + " does not run SQL queries; it reads " + target_kinds(plugin, true));
  if (!target.table.empty() && !plugin.has(MAGEIO_CAP_TABLES))
    throw sdk::not_implemented(name + " has no tables; it reads " + target_kinds(plugin, true));
  if (!target.path.empty() && !plugin.has(MAGEIO_CAP_PATHS))
    throw sdk::not_implemented(name + " does not read paths; it reads " + target_kinds(plugin, true));
}

void check_can_export(const Plugin& plugin, const Target& target) {
  const std::string name = "plugin " + plugin.name();
  if (!plugin.has(MAGEIO_CAP_EXPORT)) throw sdk::not_implemented(name + " cannot export data");
  if (!target.table.empty() && !plugin.has(MAGEIO_CAP_TABLES))
    throw sdk::not_implemented(name + " has no tables; it writes " + target_kinds(plugin, false));
  if (!target.path.empty() && !plugin.has(MAGEIO_CAP_PATHS))
    throw sdk::not_implemented(name + " does not write paths; it writes " + target_kinds(plugin, false));
}

boost::json::object plugin_options(const ParsedArgs& args, OptionSide side, bool column_types) {
  const std::string& command = args.command();
  boost::json::object options;
  for (const auto& text : args.all("--option")) {
    auto [key, value] = split_assignment(command, "--option", text);
    const bool for_destination = key.starts_with("to.");
    if (side == OptionSide::Source && for_destination) continue;
    if (side == OptionSide::Destination) {
      if (!for_destination) continue;
      key = key.substr(3);
      if (key.empty()) throw UsageError(command, "--option expects to.KEY=VALUE, got '" + text + "'");
    }
    options[key] = value;
  }
  if (column_types) {
    auto columns = column_type_options(args);
    if (!columns.empty()) {
      if (options.contains("columns"))
        throw UsageError(command, "--column-type and --option columns=... cannot be used together");
      options["columns"] = std::move(columns["columns"]);
    }
  }
  return options;
}

boost::json::object column_type_options(const ParsedArgs& args) {
  const std::string& command = args.command();
  boost::json::object options;
  if (args.all("--column-type").empty()) return options;
  boost::json::object columns;
  for (const auto& text : args.all("--column-type")) {
    auto [column, type] = split_assignment(command, "--column-type", text, "COLUMN=TYPE");
    if (type.empty()) throw UsageError(command, "--column-type expects COLUMN=TYPE, got '" + text + "'");
    columns[column] = type;
  }
  options["columns"] = std::move(columns);
  return options;
}

void read_write_mode(const ParsedArgs& args, ExportOptions& options) {
  const std::string& command = args.command();
  const std::string if_exists = args.get_or("--if-exists", "fail");
  check_choice(command, "--if-exists", if_exists, {"fail", "replace", "append"});
  options.if_exists = sdk::parse_if_exists(if_exists);
  requires_option(args, "--unique-constraints", "--unique-conflict-method");
  requires_option(args, "--unique-conflict-method", "--unique-constraints");
  if (auto constraints = args.get("--unique-constraints")) {
    options.unique_constraints = split_list(command, "--unique-constraints", *constraints);
    std::string method = *args.get("--unique-conflict-method");
    check_choice(command, "--unique-conflict-method", method, {"update", "ignore", "UPDATE", "IGNORE"});
    options.unique_conflict_method = sdk::parse_conflict_method(method);
  }
}

OutputOptions read_output_options(const ParsedArgs& args) {
  const std::string& command = args.command();
  OutputOptions output;
  output.format = args.get_or("--format", "");
  if (args.has("--format")) check_choice(command, "--format", output.format, {"table", "csv", "jsonl", "null"});
  output.path = args.get_or("--output", "");
  if (args.has("--output") && output.path.empty()) throw UsageError(command, "--output needs a file name");
  if (output.format == "null" && !output.path.empty())
    throw UsageError(command, "--output cannot be used with --format null (it prints only the row count)");
  return output;
}

namespace {

/// An error of the file plugin's export that writes a load's rows, told as the load's: the user ran
/// `load`, not `export`. A failure of the source itself (reaching the export through the stream) is told
/// as the load's error, without the stream's wording.
sdk::Error as_load_error(const sdk::Error& e, const std::string& destination) {
  std::string message = e.what();
  static const std::string kExportPrefix = "file export: ";
  if (!message.starts_with(kExportPrefix)) return e;
  static const std::string kSourcePrefix = "input stream failed while reading a batch: ";
  message.erase(0, kExportPrefix.size());
  if (message.starts_with(kSourcePrefix)) {
    message = "load: " + message.substr(kSourcePrefix.size());  // the source's own error (a bad value, ...)
  } else {
    message = "load: cannot write the rows to " + destination + ": " + message;
  }
  return sdk::Error(e.status(), message, e.sqlstate(), e.vendor_code());
}

}  // namespace

int64_t write_rows(CliContext& context, BatchReader& reader, const OutputOptions& output) {
  if (output.format == "null") {
    sdk::OwnedArray batch;
    while (reader.next(batch)) check_interrupted();
    context.end_progress();
    const int64_t rows = reader.rows_read();
    std::cout << rows << (rows == 1 ? " row" : " rows") << '\n';
    return rows;
  }
  if (output.format == "table" || (output.format.empty() && output.path.empty())) {
    if (output.path.empty()) {
      const int64_t rows = print_table(std::cout, reader);
      std::cout.flush();
      return rows;
    }
    std::ofstream file(output.path, std::ios::binary | std::ios::trunc);
    if (!file) throw sdk::io_error("cannot write " + output.path + ": " + std::strerror(errno));
    const int64_t rows = print_table(file, reader);
    file.close();
    if (!file) throw sdk::io_error("cannot write " + output.path);
    context.note("wrote " + std::to_string(rows) + (rows == 1 ? " row" : " rows") + " to " + output.path);
    return rows;
  }
  const std::string destination = output.path.empty() ? "standard output" : output.path;
  if (reader.schema().empty()) {
    // Nothing was loaded (an empty JSON Lines file has no columns): the output is empty, in any format.
    if (!output.path.empty()) {
      std::ofstream file(output.path, std::ios::binary | std::ios::trunc);
      if (!file) throw sdk::io_error("load: cannot write " + output.path + ": " + std::strerror(errno));
      context.note("wrote 0 rows to " + output.path + " (the source has no columns)");
    }
    return 0;
  }
  // CSV and JSON Lines are the file plugin's job: the CLI writes no format itself.
  auto file = context.open("file");
  ExportOptions options{.path = output.path.empty() ? "-" : output.path, .if_exists = IfExists::Replace};
  if (!output.format.empty()) options.options["format"] = output.format;
  std::cout.flush();
  std::fflush(stdout);
  int64_t rows = 0;
  try {
    rows = file->export_data(options, reader.stream());
  } catch (const sdk::Error& e) {
    // The source failed mid-stream: its own error, SQLSTATE and vendor code (ABI 1.1), not the file
    // plugin's retelling of it.
    if (std::optional<sdk::Error> source = reader.producer_error()) throw as_source_error(*source);
    throw as_load_error(e, destination);
  }
  if (!output.path.empty())
    context.note("wrote " + std::to_string(rows) + (rows == 1 ? " row" : " rows") + " to " + output.path);
  return rows;
}

void add_target_options(CLI::App& command, const std::string& prefix, bool allow_query, bool reading,
                        const std::string& group, const std::string& path_description) {
  const std::string table = prefix + "table", schema = prefix + "schema", path = prefix + "path";
  if (allow_query) add_value(command, "--query", "SQL", "the rows an SQL query returns (plugins that run SQL)", group);
  add_value(command, table, "T",
            std::string(reading ? "a whole table" : "a table") + "; T and " + schema + " S are passed exactly as given",
            group);
  add_value(command, schema, "S", "the schema (namespace) of " + table, group);
  add_value(command, path, "P", path_description, group);
}

void add_output_options(CLI::App& command, const std::string& format_description,
                        const std::string& output_description) {
  add_value(command, "--format", "FORMAT", format_description);
  add_value(command, "--output", "FILE", output_description);
}

void add_write_mode_options(CLI::App& command) {
  add_value(command, "--if-exists", "MODE",
            "fail (default): error if the target exists; replace: drop and recreate it; append: add the rows to it");
  add_value(command, "--unique-constraints", "A,B", "upsert on these columns (plugins with upserts) ...");
  add_value(command, "--unique-conflict-method", "update|ignore",
            "... updating or keeping the existing row on a conflict");
}

void add_connector_isolation(CLI::App& command) {
  add_isolation_options(command,
                        "with --isolate: end a plugin operation that makes no progress for SECONDS (a positive "
                        "number; no limit by default) with an error");
}

void check_isolation(const ParsedArgs& args) {
  if (args.has("--timeout") && !args.has("--isolate"))
    throw UsageError(args.command(),
                     "--timeout needs --isolate (it limits a plugin running in its own process: add --isolate)");
}

void add_partition_options(CLI::App& command) {
  const std::string group = "Partitions (parallel reads; plugins with the partitions capability)";
  add_value(command, "--partitions", "N",
            "read in N partitions on N connections in parallel (sqlite: rowid ranges; postgres: ranges of "
            "--partition-on, or of table pages under one snapshot; see README 'Partitioned loads')",
            group);
  add_value(command, "--partition-on", "COL",
            "range the partitions on column COL (a number, date or timestamp column); needs --partitions", group);
  add_flag(command, "--unordered",
           "hand out batches as partitions produce them (default: in partition order, the same rows in the same "
           "order as reading the partitions one after another); needs --partitions",
           group);
}

PartitionedLoadOptions read_partition_options(const ParsedArgs& args, const LoadOptions& load) {
  PartitionedLoadOptions options{.plan = {.load = load}};
  if (auto partitions = args.get("--partitions")) {
    options.plan.partitions = parse_count(args.command(), "--partitions", *partitions);
    if (options.plan.partitions < 1) throw UsageError(args.command(), "--partitions must be at least 1");
    // One connection and one thread per partition.
    if (options.plan.partitions > 256)
      throw UsageError(args.command(), "--partitions is at most 256 (one connection and one thread each)");
    if (load.limit && options.plan.partitions > 1)
      throw UsageError(args.command(), "--limit reads one stream: leave out --partitions or --limit");
  } else if (args.has("--partition-on") || args.has("--unordered")) {
    throw UsageError(args.command(), "--partition-on and --unordered need --partitions N");
  }
  options.plan.partition_on = args.get_or("--partition-on", "");
  if (args.has("--partition-on") && options.plan.partition_on.empty())
    throw UsageError(args.command(), "--partition-on needs a column name");
  options.unordered = args.has("--unordered");
  return options;
}

BatchReader load_maybe_partitioned(CliContext& context, const std::string& source, std::unique_ptr<Connector> connector,
                                   const PartitionedLoadOptions& options) {
  if (options.plan.partitions == 1 && options.plan.partition_on.empty()) return connector->load(options.plan.load);
  return partitioned_load(
      std::move(connector), [&] { return context.open(source); }, options);
}

}  // namespace mageio::cli
