// mageio load SOURCE (--query SQL | --table T [--schema S] | --path P) [--limit N]
//                    [--format table|csv|jsonl|null] [--output FILE]
//                    [--partitions N [--partition-on COL] [--unordered]]
#include "command_support.hpp"
#include "commands.hpp"

#include <unistd.h>

namespace mageio::cli {

CLI::App* declare_load(CLI::App& mageio) {
  CLI::App* load =
      add_command(mageio, "load", "read rows from a plugin and print them (table, CSV, JSON Lines, or a count)",
                  "usage: mageio load SOURCE (--query SQL | --table T [--schema S] | --path P) [options]",
                  "Reads rows from plugin SOURCE and prints them.");
  add_argument(*load, "SOURCE", "the plugin to read from ('mageio plugins' lists them)");
  add_target_options(*load, "--", true, true, "what to read (exactly one)",
                     "a file (the file plugin: CSV, TSV, JSON Lines; format from the extension)");
  add_value(*load, "--limit", "N", "read at most N rows");
  add_output_options(*load,
                     "table (default): an aligned text table with a \"(N rows)\" footer; csv, jsonl: written by "
                     "the file plugin; null: read everything and print only the row count",
                     "write to FILE instead of stdout (replaced if it exists); without --format, the format comes "
                     "from FILE's extension (.csv, .jsonl ...)");
  add_repeatable(*load, "--column-type", "COL=TYPE",
                 "read column COL as TYPE (repeatable; file plugin), e.g. --column-type 'amount=decimal128(12, 2)' "
                 "--column-type day=date32");
  add_repeatable(*load, "--option", "KEY=VALUE",
                 "a plugin-specific load option (repeatable; values are passed as strings)");
  add_partition_options(*load);
  add_connector_isolation(*load);
  return load;
}

int run_load(const ParsedArgs& parsed) {
  const std::string source = *parsed.get("SOURCE");
  const Target target = read_target(parsed, "--", true);
  check_isolation(parsed);
  LoadOptions load{.query = target.query, .table = target.table, .schema = target.schema, .path = target.path};
  if (auto limit = parsed.get("--limit")) load.limit = parse_count(parsed.command(), "--limit", *limit);
  load.options = plugin_options(parsed, OptionSide::All, true);
  const OutputOptions output = read_output_options(parsed);
  const PartitionedLoadOptions partitioned = read_partition_options(parsed, load);

  CliContext context(CommonOptions::from(parsed));
  check_can_load(*context.plugin(source), target);
  const bool rows_to_terminal = output.format != "null" && output.path.empty() && ::isatty(STDOUT_FILENO) != 0;
  auto connector = context.open(source);
  context.show_progress(*connector, rows_to_terminal);
  BatchReader reader = load_maybe_partitioned(context, source, std::move(connector), partitioned);
  write_rows(context, reader, output);
  return 0;
}

}  // namespace mageio::cli
