// mageio copy SOURCE DEST (--query SQL | --table T [--schema S] | --path P)
//                         (--to-table T [--to-schema S] | --to-path P) [--if-exists ...] [--to-profile P]
//
// The source's stream goes straight into the destination's export, batch by batch: memory does not
// grow with the number of rows.
#include "command_support.hpp"
#include "commands.hpp"

#include <iostream>

namespace mageio::cli {
namespace {

constexpr const char* kUsage = R"TEXT(usage: mageio copy SOURCE DEST (--query SQL | --table T [--schema S] | --path P)
                               (--to-table T [--to-schema S] | --to-path P) [options]

Streams rows from plugin SOURCE into plugin DEST, batch by batch. Prints "copied N rows from ... to ..."
on stderr.

what to read (exactly one):
  --query SQL              the rows an SQL query returns (plugins that run SQL)
  --table T                a whole table; T and --schema S are passed exactly as given
  --schema S               the schema (namespace) of --table
  --path P                 a file (the file plugin: CSV, TSV, JSON Lines)
where to write (exactly one):
  --to-table T             a table, passed exactly as given
  --to-schema S            the schema (namespace) of --to-table
  --to-path P              a file (when DEST is the file plugin; format from the extension)

options:
  --if-exists MODE         fail (default): error if the target exists; replace: drop and recreate it;
                           append: add the rows to it
  --unique-constraints A,B  upsert on these columns (plugins with upserts) ...
  --unique-conflict-method update|ignore
                           ... updating or keeping the existing row on a conflict
  --to-profile P           the io_config.yaml profile of DEST (default: the --profile of SOURCE)
  --column-type COL=TYPE   read column COL as TYPE (repeatable; file plugin as SOURCE)
  --option KEY=VALUE       a plugin-specific load option for SOURCE (repeatable; passed as strings)
  --option to.KEY=VALUE    a plugin-specific export option for DEST
)TEXT";

}  // namespace

int run_copy(const Arguments& args) {
  static const CommandSpec spec{"copy",
                                {"SOURCE", "DEST"},
                                with_data_options({{"--query"},
                                                   {"--table"},
                                                   {"--schema"},
                                                   {"--path"},
                                                   {"--to-table"},
                                                   {"--to-schema"},
                                                   {"--to-path"},
                                                   {"--if-exists"},
                                                   {"--unique-constraints"},
                                                   {"--unique-conflict-method"},
                                                   {"--to-profile"}})};
  if (wants_help(spec, args)) {
    std::cout << kUsage << kCommonOptionsHelp;
    return 0;
  }
  const ParsedArgs parsed = parse_arguments(spec, args);
  const std::string& source_name = parsed.positionals[0];
  const std::string& dest_name = parsed.positionals[1];
  const Target from = read_target(spec.name, parsed, "--", true);
  const Target to = read_target(spec.name, parsed, "--to-", false);
  const LoadOptions load{.query = from.query,
                         .table = from.table,
                         .schema = from.schema,
                         .path = from.path,
                         .options = plugin_options(spec.name, parsed, OptionSide::Source, true)};
  ExportOptions options{.table = to.table, .schema = to.schema, .path = to.path};
  read_write_mode(spec.name, parsed, options);
  options.options = plugin_options(spec.name, parsed, OptionSide::Destination, false);
  const std::string to_profile = parsed.get_or("--to-profile", "");
  if (parsed.has("--to-profile") && to_profile.empty())
    throw UsageError(spec.name, "--to-profile needs a profile name");

  CliContext context(CommonOptions::from(spec.name, parsed));
  check_can_load(*context.plugin(source_name), from);
  check_can_export(*context.plugin(dest_name), to);
  auto source = context.open(source_name);
  auto destination = context.open(dest_name, to_profile);
  // The rows the source hands out are the rows flowing into the destination: one line, from the side
  // that may know the total.
  context.show_progress(*source);
  BatchReader reader = source->load(load);
  const int64_t rows = destination->export_data(options, reader.stream());
  context.note("copied " + std::to_string(rows) + (rows == 1 ? " row" : " rows") + " from " + source_name + " " +
               from.describe() + " to " + dest_name + " " + to.describe());
  return 0;
}

}  // namespace mageio::cli
