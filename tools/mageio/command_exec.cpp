// mageio exec SOURCE --sql SQL [--sql SQL ...]
//
// One --sql: execute; rows it returns are printed (--format, --output). Several: execute_queries, in
// one transaction where the plugin has them (all take effect or none).
#include "command_support.hpp"
#include "commands.hpp"

#include <iostream>

namespace mageio::cli {
namespace {

constexpr const char* kUsage = R"TEXT(usage: mageio exec SOURCE --sql SQL [--sql SQL ...] [options]

Runs SQL statements with plugin SOURCE.
  One --sql: runs it; if it returns rows they are printed (see --format), otherwise the number of
  rows affected goes to stderr.
  Several --sql: runs them in order in one transaction (plugins with transactions): if one fails,
  none takes effect. Result rows are discarded.

  --sql SQL                a statement (repeatable)
  --format FORMAT          for rows a single --sql returns: table (default), csv, jsonl, or null
                           (print only the row count)
  --output FILE            write those rows to FILE instead of stdout
)TEXT";

std::string rows_text(int64_t rows) { return std::to_string(rows) + (rows == 1 ? " row" : " rows"); }

}  // namespace

int run_exec(const Arguments& args) {
  static const CommandSpec spec{"exec", {"SOURCE"}, {{"--sql", true, true}, {"--format"}, {"--output"}}};
  if (wants_help(spec, args)) {
    std::cout << kUsage << kCommonOptionsHelp;
    return 0;
  }
  const ParsedArgs parsed = parse_arguments(spec, args);
  const std::string& source = parsed.positionals[0];
  const auto& statements = parsed.all("--sql");
  if (statements.empty()) throw UsageError(spec.name, "missing --sql");
  for (const auto& sql : statements)
    if (sql.empty()) throw UsageError(spec.name, "--sql needs an SQL statement");
  const OutputOptions output = read_output_options(spec.name, parsed);
  if (statements.size() > 1 && (parsed.has("--format") || parsed.has("--output")))
    throw UsageError(spec.name,
                     "--format and --output apply to a single --sql (several run as one transaction "
                     "and their rows are discarded)");

  CliContext context(CommonOptions::from(spec.name, parsed));
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
