// Pieces the data commands share: where to read or write (a query, a table or a path), plugin options
// from --option/--column-type, and writing rows out in the --format asked for.
#pragma once

#include "cli_context.hpp"
#include "command_line.hpp"
#include "value_checks.hpp"

#include <mageio/core/connector.hpp>
#include <mageio/core/partitioned_load.hpp>

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace mageio::cli {

/// One side of a transfer: exactly one of query, table, path (schema only with table).
struct Target {
  std::string query;
  std::string table;
  std::string schema;
  std::string path;

  /// For messages: "table orders", "table sales.orders", "path x.csv", "query".
  std::string describe() const;
};

/// --query | --table [--schema] | --path (exactly one). With `prefix` "--to-": --to-table [--to-schema]
/// | --to-path. `allow_query` false leaves --query out.
Target read_target(const ParsedArgs& args, const std::string& prefix, bool allow_query);

/// Fails (runtime error) when `plugin` cannot read / write that kind of target, saying what it can do.
void check_can_load(const Plugin& plugin, const Target& target);
void check_can_export(const Plugin& plugin, const Target& target);

/// Which --option values a plugin gets. In `copy`, "--option to.KEY=VALUE" is for the destination and
/// every other --option for the source; elsewhere every --option goes to the one plugin.
enum class OptionSide { All, Source, Destination };

/// The plugin-specific "options" object: --option KEY=VALUE (values as strings) for `side`, and with
/// `column_types` the --column-type COL=TYPE pairs as {"columns": {COL: TYPE}}.
boost::json::object plugin_options(const ParsedArgs& args, OptionSide side, bool column_types);

/// --if-exists (fail | replace | append; default fail) and --unique-constraints with
/// --unique-conflict-method (both or neither).
void read_write_mode(const ParsedArgs& args, ExportOptions& options);

/// {"columns": {COL: TYPE}} from --column-type COL=TYPE; {} when none was given.
boost::json::object column_type_options(const ParsedArgs& args);

/// How rows are printed: --format table|csv|jsonl|null and --output FILE.
struct OutputOptions {
  std::string format;  // "" when not given
  std::string path;    // "" = stdout
};
OutputOptions read_output_options(const ParsedArgs& args);

/// Writes every row of `reader` as asked: a text table (default), CSV or JSON Lines through the file
/// plugin's export (to --output, or to "-" = stdout), or only the count (null). Returns the row count.
int64_t write_rows(CliContext& context, BatchReader& reader, const OutputOptions& output);

// --- Declaring the options these read ---------------------------------------------------------------

/// The options read_target reads: [--query SQL |] --table T [--schema S] | --path P (with `prefix`
/// "--to-": --to-table, --to-schema, --to-path), in `group`. `reading` says "a whole table" rather than
/// "a table".
void add_target_options(CLI::App& command, const std::string& prefix, bool allow_query, bool reading,
                        const std::string& group, const std::string& path_description);

/// --format FORMAT and --output FILE, described for the command.
void add_output_options(CLI::App& command, const std::string& format_description,
                        const std::string& output_description);
/// --if-exists, --unique-constraints and --unique-conflict-method (export, copy).
void add_write_mode_options(CLI::App& command);
/// --isolate and --timeout SECONDS of the commands that open connectors (load, export, copy, exec).
void add_connector_isolation(CLI::App& command);
/// --timeout limits an isolated plugin: without --isolate it is a usage error.
void check_isolation(const ParsedArgs& args);

/// --partitions N, --partition-on COL and --unordered (load, copy).
void add_partition_options(CLI::App& command);
/// How to read `load`: the options above around it (partitions 1 when --partitions is not given).
/// UsageError for --partitions 0, or --partition-on / --unordered without --partitions.
PartitionedLoadOptions read_partition_options(const ParsedArgs& args, const LoadOptions& load);
/// Reads `options` from `connector` (opened on plugin `source`): one stream, or with partitions a
/// partitioned load that plans on `connector` and opens one more connector per partition (see
/// core/partitioned_load.hpp).
BatchReader load_maybe_partitioned(CliContext& context, const std::string& source, std::unique_ptr<Connector> connector,
                                   const PartitionedLoadOptions& options);

}  // namespace mageio::cli
