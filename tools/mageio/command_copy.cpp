// mageio copy SOURCE DEST (--query SQL | --table T [--schema S] | --path P)
//                         (--to-table T [--to-schema S] | --to-path P) [--if-exists ...] [--to-profile P]
//
// The source's stream goes straight into the destination's export, batch by batch: memory does not
// grow with the number of rows. With --partitions N the source is read in N partitions in parallel
// (bounded per partition), and written by N writers into one stage of the destination when it takes
// parallel writers (the staged_export capability), put in place once at the end: the destination
// stays atomic either way.
#include "command_support.hpp"
#include "commands.hpp"

#include <mageio/core/partitioned_copy.hpp>

namespace mageio::cli {

CLI::App* declare_copy(CLI::App& mageio) {
  CLI::App* command = add_command(
      mageio, "copy", "stream rows from one plugin into another",
      "usage: mageio copy SOURCE DEST (--query SQL | --table T [--schema S] | --path P)\n"
      "                               (--to-table T [--to-schema S] | --to-path P) [options]",
      "Streams rows from plugin SOURCE into plugin DEST, batch by batch. Prints \"copied N rows from ... to ...\"\n"
      "on stderr.");
  add_argument(*command, "SOURCE", "the plugin to read from ('mageio plugins' lists them)");
  add_argument(*command, "DEST", "the plugin to write to");
  add_target_options(*command, "--", true, true, "what to read (exactly one)",
                     "a file (the file plugin: CSV, TSV, JSON Lines)");
  add_target_options(*command, "--to-", false, false, "where to write (exactly one)",
                     "a file (when DEST is the file plugin; format from the extension)");
  add_write_mode_options(*command);
  add_value(*command, "--to-profile", "P", "the io_config.yaml profile of DEST (default: the --profile of SOURCE)");
  add_repeatable(*command, "--column-type", "COL=TYPE", "read column COL as TYPE (repeatable; file plugin as SOURCE)");
  add_repeatable(*command, "--option", "KEY=VALUE",
                 "a plugin-specific load option for SOURCE (repeatable; passed as strings); --option to.KEY=VALUE: "
                 "an export option for DEST");
  add_partition_options(*command);
  add_connector_isolation(*command);
  return command;
}

int run_copy(const ParsedArgs& parsed) {
  const std::string source_name = *parsed.get("SOURCE");
  const std::string dest_name = *parsed.get("DEST");
  const Target from = read_target(parsed, "--", true);
  const Target to = read_target(parsed, "--to-", false);
  check_isolation(parsed);
  const LoadOptions load{.query = from.query,
                         .table = from.table,
                         .schema = from.schema,
                         .path = from.path,
                         .options = plugin_options(parsed, OptionSide::Source, true)};
  ExportOptions options{.table = to.table, .schema = to.schema, .path = to.path};
  read_write_mode(parsed, options);
  options.options = plugin_options(parsed, OptionSide::Destination, false);
  const PartitionedLoadOptions partitioned = read_partition_options(parsed, load);
  const std::string to_profile = parsed.get_or("--to-profile", "");
  if (parsed.has("--to-profile") && to_profile.empty())
    throw UsageError(parsed.command(), "--to-profile needs a profile name");

  CliContext context(CommonOptions::from(parsed));
  check_can_load(*context.plugin(source_name), from);
  check_can_export(*context.plugin(dest_name), to);
  auto source = context.open(source_name);
  auto destination = context.open(dest_name, to_profile);
  // The rows the source hands out are the rows flowing into the destination: one line, from the side
  // that may know the total. With --partitions, the partitions are read in parallel and written by as
  // many writers into one stage of the destination when it takes parallel writers (else their batches
  // feed its one export); either way the destination changes once, at the end, or not at all.
  context.show_progress(*source);
  const int64_t rows = partitioned_copy({.source = std::move(source),
                                         .open_source = [&] { return context.open(source_name); },
                                         .destination = std::move(destination),
                                         .open_destination = [&] { return context.open(dest_name, to_profile); }},
                                        partitioned, options);
  context.note("copied " + std::to_string(rows) + (rows == 1 ? " row" : " rows") + " from " + source_name + " " +
               from.describe() + " to " + dest_name + " " + to.describe());
  return 0;
}

}  // namespace mageio::cli
