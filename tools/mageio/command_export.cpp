// mageio export DEST --input FILE (--table T [--schema S] | --path P) [--if-exists fail|replace|append]
//                    [--unique-constraints a,b --unique-conflict-method update|ignore]
#include "command_support.hpp"
#include "commands.hpp"

#include <iostream>

namespace mageio::cli {
namespace {

constexpr const char* kUsage =
    R"TEXT(usage: mageio export DEST --input FILE (--table T [--schema S] | --path P) [options]

Reads FILE through the file plugin (CSV, TSV, JSON Lines; format from the extension) and writes its
rows into plugin DEST. Prints "exported N rows to DEST ..." on stderr.

  --input FILE             the file to read
where to write (exactly one):
  --table T                a table; T and --schema S are passed exactly as given
  --schema S               the schema (namespace) of --table
  --path P                 a file (when DEST is the file plugin)

options:
  --if-exists MODE         fail (default): error if the target exists; replace: drop and recreate it;
                           append: add the rows to it
  --unique-constraints A,B  upsert on these columns (plugins with upserts) ...
  --unique-conflict-method update|ignore
                           ... updating or keeping the existing row on a conflict
  --column-type COL=TYPE   read column COL of FILE as TYPE (repeatable), e.g. --column-type id=int64
  --option KEY=VALUE       a plugin-specific export option for DEST (repeatable; passed as strings)
)TEXT";

}  // namespace

int run_export(const Arguments& args) {
  static const CommandSpec spec{"export",
                                {"DEST"},
                                with_data_options({{"--input"},
                                                   {"--table"},
                                                   {"--schema"},
                                                   {"--path"},
                                                   {"--if-exists"},
                                                   {"--unique-constraints"},
                                                   {"--unique-conflict-method"}})};
  if (wants_help(spec, args)) {
    std::cout << kUsage << kCommonOptionsHelp;
    return 0;
  }
  const ParsedArgs parsed = parse_arguments(spec, args);
  const std::string& dest = parsed.positionals[0];
  if (!parsed.has("--input")) throw UsageError(spec.name, "missing --input FILE");
  const std::string input = *parsed.get("--input");
  if (input.empty()) throw UsageError(spec.name, "--input needs a file name");
  const Target target = read_target(spec.name, parsed, "--", false);
  ExportOptions options{.table = target.table, .schema = target.schema, .path = target.path};
  read_write_mode(spec.name, parsed, options);
  options.options = plugin_options(spec.name, parsed, OptionSide::All, false);
  // --option is for DEST; the input file gets only the column types.
  const LoadOptions load{.path = input, .options = column_type_options(spec.name, parsed)};

  CliContext context(CommonOptions::from(spec.name, parsed));
  check_can_export(*context.plugin(dest), target);
  auto destination = context.open(dest);
  auto file = context.open("file");
  // Reported by the reading side, which knows how far into FILE it is (the same rows flow out).
  context.show_progress(*file);
  BatchReader reader = file->load(load);
  const int64_t rows = destination->export_data(options, reader.stream());
  context.note("exported " + std::to_string(rows) + (rows == 1 ? " row" : " rows") + " to " + dest + " " +
               target.describe());
  return 0;
}

}  // namespace mageio::cli
