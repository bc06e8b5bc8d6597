// mageio exec SOURCE --sql SQL [--sql SQL ...]
//
// One --sql: execute; rows it returns are printed (--format, --output). Several: execute_queries, in
// one transaction where the plugin has them (all take effect or none).
#include "command_support.hpp"
#include "commands.hpp"

namespace mageio::cli {
namespace {

std::string rows_text(int64_t rows) { return std::to_string(rows) + (rows == 1 ? " row" : " rows"); }

}  // namespace

CLI::App* declare_exec(CLI::App& mageio) {
  CLI::App* command = add_command(mageio, "exec", "run SQL statements (several in one transaction)",
                                  "usage: mageio exec SOURCE --sql SQL [--sql SQL ...] [options]",
                                  "Runs SQL statements with plugin SOURCE.\n"
                                  "  One --sql: runs it; if it returns rows they are printed (see --format), "
                                  "otherwise the number of\n"
                                  "  rows affected goes to stderr.\n"
                                  "  Several --sql: runs them in order in one transaction (plugins with "
                                  "transactions): if one fails,\n"
                                  "  none takes effect. Result rows are discarded.");
  add_argument(*command, "SOURCE", "the plugin that runs the statements ('mageio plugins' lists them)");
  add_repeatable(*command, "--sql", "SQL", "a statement (repeatable)");
  add_output_options(*command,
                     "for rows a single --sql returns: table (default), csv, jsonl, or null (print only the row "
                     "count)",
                     "write those rows to FILE instead of stdout");
  add_connector_isolation(*command);
  return command;
}

int run_exec(const ParsedArgs& parsed) {
  const std::string source = *parsed.get("SOURCE");
  const auto& statements = parsed.all("--sql");
  if (statements.empty()) throw UsageError(parsed.command(), "missing --sql");
  for (const auto& sql : statements)
    if (sql.empty()) throw UsageError(parsed.command(), "--sql needs an SQL statement");
  const OutputOptions output = read_output_options(parsed);
  check_isolation(parsed);
  if (statements.size() > 1 && (parsed.has("--format") || parsed.has("--output")))
    throw UsageError(parsed.command(),
                     "--format and --output apply to a single --sql (several run as one transaction "
                     "and their rows are discarded)");

  CliContext context(CommonOptions::from(parsed));
  auto plugin = context.plugin(source);
  if (statements.size() == 1) {
    if (!plugin->has(MAGEIO_CAP_EXECUTE)) throw sdk::not_implemented("plugin " + source + " cannot execute statements");
    auto connector = context.open(source);
    ExecuteOutcome outcome = connector->execute(statements[0]);
    if (outcome.rows) {
      write_rows(context, *outcome.rows, output);
    } else {
      context.note(outcome.rows_affected >= 0 ? rows_text(outcome.rows_affected) + " affected" : std::string("done"));
    }
    return 0;
  }
  if (!plugin->has(MAGEIO_CAP_EXECUTE_QUERIES))
    throw sdk::not_implemented("plugin " + source + " cannot execute several statements (execute_queries)");
  if (!plugin->has(MAGEIO_CAP_TRANSACTIONS))
    context.warn("plugin " + source + " has no transactions: if a statement fails, the ones before it stay");
  auto connector = context.open(source);
  const int64_t affected = connector->execute_queries(statements);
  context.note("executed " + std::to_string(statements.size()) + " statements" +
               (plugin->has(MAGEIO_CAP_TRANSACTIONS) ? " in one transaction" : "") +
               (affected >= 0 ? " (" + rows_text(affected) + " affected)" : ""));
  return 0;
}

}  // namespace mageio::cli
