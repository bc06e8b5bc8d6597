// partitions.*: for plugins declaring MAGEIO_CAP_PARTITIONS (ABI 1.1), a plan's descriptors loaded on
// fresh instances give exactly the rows of one load (as a multiset), whatever the table's size; bad
// requests and other plugins' descriptors are refused with errors; no descriptor holds a secret.
// partitions.partition_on is skipped for a plugin that answers a plan on an existing column with
// NOT_IMPLEMENTED (it splits by something else, e.g. byte ranges of a file).
#include "context.hpp"

#include <mageio/core/connector.hpp>

namespace mageio::conformance::detail {
namespace {

constexpr uint64_t kPartitions = MAGEIO_CAP_PARTITIONS | MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT;

std::vector<std::pair<int64_t, std::string>> numbered_rows(int64_t count) {
  std::vector<std::pair<int64_t, std::string>> rows;
  for (int64_t i = 1; i <= count; ++i) rows.emplace_back(i, "partitioned row " + std::to_string(i));
  return rows;
}

// Every descriptor of `plan`, each loaded on an instance of its own, as one table.
TextTable load_plan(Kit& kit, const std::vector<std::string>& plan) {
  TextTable all;
  for (size_t i = 0; i < plan.size(); ++i) {
    auto instance = kit.open_fresh();
    try {
      BatchReader reader = instance->load_partition(plan[i]);
      TextTable part = read_all(reader);
      if (i == 0) {
        all.names = part.names;
        all.types = part.types;
      } else if (part.names != all.names) {
        fail("partition " + std::to_string(i + 1) + " has columns " + show_names(part.names) + ", partition 1 " +
             show_names(all.names));
      }
      all.rows.insert(all.rows.end(), part.rows.begin(), part.rows.end());
    } catch (const sdk::Error& error) {
      fail("loading partition " + std::to_string(i + 1) + " of " + std::to_string(plan.size()) +
           " failed: " + describe_error(error));
    }
  }
  return all;
}

std::vector<std::string> plan(Kit& kit, const Target& target, int64_t partitions, const std::string& column = {}) {
  try {
    return kit.connector().plan_partitions(
        PartitionOptions{.load = LoadOptions{.table = target.table, .path = target.path},
                         .partitions = partitions,
                         .partition_on = column});
  } catch (const sdk::Error& error) {
    // A plugin that splits by something else (a file's byte ranges) says so with NOT_IMPLEMENTED.
    if (!column.empty() && error.status() == MAGEIO_STATUS_NOT_IMPLEMENTED)
      skip("the plugin does not range partitions on a column: " + describe_error(error));
    fail("plan_partitions(" + std::to_string(partitions) + (column.empty() ? "" : ", partition_on " + column) +
         ") of " + target.describe() + " failed: " + describe_error(error));
  }
}

// Plans `target` (holding `table`) into `partitions` and checks the plan against the table.
void expect_plan_gives(Kit& kit, const Target& target, const Table& table, int64_t partitions,
                       const std::string& column = {}) {
  const auto descriptors = plan(kit, target, partitions, column);
  require(!descriptors.empty(), "plan_partitions gave no descriptor (one partition is the least)");
  require(static_cast<int64_t>(descriptors.size()) <= partitions, "plan_partitions(" + std::to_string(partitions) +
                                                                      ") gave " + std::to_string(descriptors.size()) +
                                                                      " descriptors");
  for (const auto& descriptor : descriptors)
    for (const auto& secret : kit.options().secrets)
      if (!secret.empty() && descriptor.find(secret) != std::string::npos)
        fail("a partition descriptor holds a secret of the config (descriptors are printed and sent to workers)");
  const TextTable loaded = load_plan(kit, descriptors);
  // A file format that records columns only with rows (JSON Lines) gives none back for an empty table,
  // as in export.empty_stream.
  if (table.rows.empty() && kit.paths() && loaded.names.empty() && loaded.rows.empty()) return;
  if (auto difference = compare_tables(to_text(table), loaded))
    fail(std::to_string(descriptors.size()) + " partitions together differ from the table: " + *difference);
}

}  // namespace

void partition_checks(Kit& kit) {
  kit.check_with(kPartitions, "partitions.plan_and_load", [&] {
    const Target target = kit.new_target();
    const Table table = kit.basic(numbered_rows(1000));
    kit.export_table(kit.connector(), target, table, "fail", {.batch_rows = 100});
    expect_plan_gives(kit, target, table, 4);
    expect_plan_gives(kit, target, table, 1);
  });

  kit.check_with(kPartitions, "partitions.partition_on", [&] {
    if (!kit.key_type().is_integer()) skip("the kit's key column is not an integer for this plugin");
    const Target target = kit.new_target();
    const Table table = kit.basic(numbered_rows(500));
    kit.export_table(kit.connector(), target, table);
    expect_plan_gives(kit, target, table, 3, "id");
  });

  kit.check_with(kPartitions, "partitions.small_and_empty", [&] {
    const Target tiny = kit.new_target();
    const Table two = kit.basic(numbered_rows(2));
    kit.export_table(kit.connector(), tiny, two);
    expect_plan_gives(kit, tiny, two, 8);
    const Target empty = kit.new_target();
    const Table none = kit.basic({});
    kit.export_table(kit.connector(), empty, none);
    expect_plan_gives(kit, empty, none, 4);
  });

  kit.check_with(kPartitions, "partitions.bad_requests", [&] {
    const Target target = kit.new_target();
    kit.export_table(kit.connector(), target, kit.basic(numbered_rows(3)));
    kit.expect_error("plan_partitions on a column that does not exist",
                     [&] {
                       kit.connector().plan_partitions(
                           PartitionOptions{.load = LoadOptions{.table = target.table, .path = target.path},
                                            .partitions = 2,
                                            .partition_on = "no_such_column_xyz"});
                     },
                     {MAGEIO_STATUS_NOT_FOUND, MAGEIO_STATUS_INVALID_ARGUMENT});
    kit.expect_error("load_partition of another plugin's descriptor",
                     [&] { kit.connector().load_partition(R"({"plugin":"not_this_plugin_xyz","format":1})"); },
                     {MAGEIO_STATUS_INVALID_ARGUMENT});
    kit.expect_error("load_partition of text that is not a descriptor",
                     [&] { kit.connector().load_partition("not json"); }, {MAGEIO_STATUS_INVALID_ARGUMENT});
  });
}

}  // namespace mageio::conformance::detail
