// mageio export DEST --input FILE (--table T [--schema S] | --path P) [--if-exists fail|replace|append]
//                    [--unique-constraints a,b --unique-conflict-method update|ignore]
#include "command_support.hpp"
#include "commands.hpp"

namespace mageio::cli {

CLI::App* declare_export(CLI::App& mageio) {
  CLI::App* command = add_command(
      mageio, "export", "write a CSV/JSON Lines file into a plugin's table or path",
      "usage: mageio export DEST --input FILE (--table T [--schema S] | --path P) [options]",
      "Reads FILE through the file plugin (CSV, TSV, JSON Lines; format from the extension) and writes its rows "
      "into plugin DEST.\nPrints \"exported N rows to DEST ...\" on stderr.");
  add_argument(*command, "DEST", "the plugin to write to ('mageio plugins' lists them)");
  add_value(*command, "--input", "FILE", "the file to read", "what to read");
  add_target_options(*command, "--", false, false, "where to write (exactly one)",
                     "a file (when DEST is the file plugin)");
  add_write_mode_options(*command);
  add_repeatable(*command, "--column-type", "COL=TYPE",
                 "read column COL of FILE as TYPE (repeatable), e.g. --column-type id=int64");
  add_repeatable(*command, "--option", "KEY=VALUE",
                 "a plugin-specific export option for DEST (repeatable; passed as strings)");
  add_connector_isolation(*command);
  return command;
}

int run_export(const ParsedArgs& parsed) {
  const std::string dest = *parsed.get("DEST");
  if (!parsed.has("--input")) throw UsageError(parsed.command(), "missing --input FILE");
  const std::string input = *parsed.get("--input");
  if (input.empty()) throw UsageError(parsed.command(), "--input needs a file name");
  const Target target = read_target(parsed, "--", false);
  check_isolation(parsed);
  ExportOptions options{.table = target.table, .schema = target.schema, .path = target.path};
  read_write_mode(parsed, options);
  options.options = plugin_options(parsed, OptionSide::All, false);
  // --option is for DEST; the input file gets only the column types.
  const LoadOptions load{.path = input, .options = column_type_options(parsed)};

  CliContext context(CommonOptions::from(parsed));
  check_can_export(*context.plugin(dest), target);
  auto destination = context.open(dest);
  auto file = context.open("file");
  // Reported by the reading side, which knows how far into FILE it is (the same rows flow out).
  context.show_progress(*file);
  BatchReader reader = file->load(load);
  const int64_t rows = destination->export_data(options, reader);
  context.note("exported " + std::to_string(rows) + (rows == 1 ? " row" : " rows") + " to " + dest + " " +
               target.describe());
  return 0;
}

}  // namespace mageio::cli
