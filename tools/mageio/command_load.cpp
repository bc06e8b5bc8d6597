// mageio load SOURCE (--query SQL | --table T [--schema S] | --path P) [--limit N]
//                    [--format table|csv|jsonl|null] [--output FILE]
#include "command_support.hpp"
#include "commands.hpp"

#include <iostream>

#include <unistd.h>

namespace mageio::cli {
namespace {

constexpr const char* kUsage =
    R"TEXT(usage: mageio load SOURCE (--query SQL | --table T [--schema S] | --path P) [options]

Reads rows from plugin SOURCE and prints them.

what to read (exactly one):
  --query SQL              the rows an SQL query returns (plugins that run SQL)
  --table T                a whole table; T and --schema S are passed exactly as given
  --schema S               the schema (namespace) of --table
  --path P                 a file (the file plugin: CSV, TSV, JSON Lines; format from the extension)

options:
  --limit N                read at most N rows
  --format FORMAT          table (default): an aligned text table with a "(N rows)" footer;
                           csv, jsonl: written by the file plugin;
                           null: read everything and print only the row count
  --output FILE            write to FILE instead of stdout (replaced if it exists); without
                           --format, the format comes from FILE's extension (.csv, .jsonl ...)
  --column-type COL=TYPE   read column COL as TYPE (repeatable; file plugin), e.g.
                           --column-type 'amount=decimal128(12, 2)' --column-type day=date32
  --option KEY=VALUE       a plugin-specific load option (repeatable; values are passed as strings)
)TEXT";

}  // namespace

int run_load(const Arguments& args) {
  static const CommandSpec spec{
      "load",
      {"SOURCE"},
      with_data_options({{"--query"}, {"--table"}, {"--schema"}, {"--path"}, {"--limit"}, {"--format"}, {"--output"}})};
  if (wants_help(spec, args)) {
    std::cout << kUsage << kCommonOptionsHelp;
    return 0;
  }
  const ParsedArgs parsed = parse_arguments(spec, args);
  const std::string& source = parsed.positionals[0];
  const Target target = read_target(spec.name, parsed, "--", true);
  LoadOptions load{.query = target.query, .table = target.table, .schema = target.schema, .path = target.path};
  if (auto limit = parsed.get("--limit")) load.limit = parse_count(spec.name, "--limit", *limit);
  load.options = plugin_options(spec.name, parsed, OptionSide::All, true);
  const OutputOptions output = read_output_options(spec.name, parsed);

  CliContext context(CommonOptions::from(spec.name, parsed));
  check_can_load(*context.plugin(source), target);
  auto connector = context.open(source);
  const bool rows_to_terminal = output.format != "null" && output.path.empty() && ::isatty(STDOUT_FILENO) != 0;
  context.show_progress(*connector, rows_to_terminal);
  BatchReader reader = connector->load(load);
  write_rows(context, reader, output);
  return 0;
}

}  // namespace mageio::cli
