// staged_export.*: for plugins declaring MAGEIO_CAP_STAGED_EXPORT (ABI 1.1): writers on fresh instances
// fill one stage; nothing is at the target before the finish; the finish puts exactly their rows in place
// (fail into a new target, replace of an existing one); a discarded stage and a finish with the wrong row
// count leave the target as it was; a finished stage refuses writes; no stage descriptor holds a secret.
#include "context.hpp"

#include <mageio/core/connector.hpp>

namespace mageio::conformance::detail {
namespace {

constexpr uint64_t kStaged = MAGEIO_CAP_STAGED_EXPORT | MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT;

std::vector<std::pair<int64_t, std::string>> numbered_rows(int64_t first, int64_t count) {
  std::vector<std::pair<int64_t, std::string>> rows;
  for (int64_t i = first; i < first + count; ++i) rows.emplace_back(i, "staged row " + std::to_string(i));
  return rows;
}

ExportOptions options_for(const Target& target, sdk::IfExists mode) {
  return ExportOptions{.table = target.table, .path = target.path, .if_exists = mode};
}

// The Arrow schema of rows shaped like `sample`, as a stage is begun with.
void schema_of(const Table& sample, sdk::OwnedSchema& schema) {
  Stream stream(sample);
  ArrowArrayStream* raw = stream.get();
  require(raw->get_schema(raw, &schema.schema) == 0, "the kit's own stream gave no schema");
}

// Begins a stage for rows shaped like `sample`; FAILs naming the call when it fails or leaks a secret.
std::string begin(Kit& kit, const Target& target, sdk::IfExists mode, const Table& sample) {
  sdk::OwnedSchema schema;
  schema_of(sample, schema);
  std::string stage;
  try {
    stage = kit.connector().stage_begin(options_for(target, mode), schema.schema);
  } catch (const sdk::Error& error) {
    fail("stage_begin for " + target.describe() + " failed: " + describe_error(error));
  }
  for (const auto& secret : kit.options().secrets)
    if (!secret.empty() && stage.find(secret) != std::string::npos)
      fail("a stage descriptor holds a secret of the config (descriptors are sent to other processes)");
  return stage;
}

// Writes `part` into the stage from an instance of its own; FAILs unless every row was written.
void write(Kit& kit, const std::string& stage, const Table& part, int index) {
  auto instance = kit.open_fresh();
  Stream stream(part);
  try {
    const int64_t rows = instance->stage_write(stage, stream.get());
    require(rows == static_cast<int64_t>(part.rows.size()), "stage_write " + std::to_string(index) + " reported " +
                                                                std::to_string(rows) + " rows for " +
                                                                std::to_string(part.rows.size()));
  } catch (const sdk::Error& error) {
    fail("stage_write " + std::to_string(index) + " failed: " + describe_error(error));
  }
  require(!stream.released(), "stage_write released the input stream, which stays the caller's");
}

Table concatenated(const std::vector<Table>& parts) {
  Table all = parts.front();
  for (size_t i = 1; i < parts.size(); ++i) all.rows.insert(all.rows.end(), parts[i].rows.begin(), parts[i].rows.end());
  return all;
}

}  // namespace

void stage_checks(Kit& kit) {
  kit.check_with(kStaged, "staged_export.writers_then_finish", [&] {
    const Target target = kit.new_target();
    const std::vector<Table> parts = {kit.basic(numbered_rows(1, 300)), kit.basic(numbered_rows(301, 1)),
                                      kit.basic(numbered_rows(302, 0)), kit.basic(numbered_rows(302, 150))};
    const std::string stage = begin(kit, target, sdk::IfExists::Fail, parts.front());
    for (size_t i = 0; i < parts.size(); ++i) write(kit, stage, parts[i], static_cast<int>(i + 1));
    require(!kit.exists(kit.connector(), target), "the target exists before stage_finish");
    const int64_t rows = kit.connector().stage_finish(stage, true, 451);
    require(rows == 451, "stage_finish reported " + std::to_string(rows) + " rows for 451");
    kit.expect_content(kit.connector(), target, concatenated(parts), "after stage_finish");
    kit.expect_error("stage_write into a finished stage",
                     [&] {
                       Stream late(parts.front());
                       kit.open_fresh()->stage_write(stage, late.get());
                     },
                     {MAGEIO_STATUS_NOT_FOUND});
  });

  kit.check_with(kStaged, "staged_export.replace", [&] {
    const Target target = kit.new_target();
    kit.export_table(kit.connector(), target, kit.basic(numbered_rows(1, 5)));
    const Table part_a = kit.basic(numbered_rows(100, 20)), part_b = kit.basic(numbered_rows(200, 30));
    const std::string stage = begin(kit, target, sdk::IfExists::Replace, part_a);
    write(kit, stage, part_a, 1);
    write(kit, stage, part_b, 2);
    kit.expect_content(kit.connector(), target, kit.basic(numbered_rows(1, 5)), "before stage_finish");
    kit.connector().stage_finish(stage, true, 50);
    kit.expect_content(kit.connector(), target, concatenated({part_a, part_b}), "after stage_finish (replace)");
  });

  kit.check_with(kStaged, "staged_export.discard_and_wrong_count", [&] {
    const Target target = kit.new_target();
    const Table before = kit.basic(numbered_rows(1, 7));
    kit.export_table(kit.connector(), target, before);
    const Table part = kit.basic(numbered_rows(10, 40));
    const std::string discarded = begin(kit, target, sdk::IfExists::Replace, part);
    write(kit, discarded, part, 1);
    require(kit.connector().stage_finish(discarded, false) == 0, "a discarded stage_finish reported rows");
    kit.expect_content(kit.connector(), target, before, "after a discarded stage");
    const std::string miscounted = begin(kit, target, sdk::IfExists::Replace, part);
    write(kit, miscounted, part, 1);
    kit.expect_error("stage_finish expecting 39 rows of a stage holding 40",
                     [&] { kit.connector().stage_finish(miscounted, true, 39); }, {MAGEIO_STATUS_INVALID_ARGUMENT});
    kit.expect_content(kit.connector(), target, before, "after a refused stage_finish");
    kit.expect_error("stage_begin with if_exists=fail on an existing target",
                     [&] {
                       sdk::OwnedSchema schema;
                       schema_of(part, schema);
                       kit.connector().stage_begin(options_for(target, sdk::IfExists::Fail), schema.schema);
                     },
                     {MAGEIO_STATUS_ALREADY_EXISTS});
  });
}

}  // namespace mageio::conformance::detail
