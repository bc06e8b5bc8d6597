// export.*: if_exists modes, new targets, an empty stream, atomicity when the input fails halfway or the
// host cancels, and upserts.
#include "context.hpp"

#include <thread>

namespace mageio::conformance::detail {
namespace {

constexpr uint64_t kLoadExport = MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT;

using Rows = std::vector<std::pair<int64_t, std::string>>;

const Rows kFirst = {{1, "alpha"}, {2, "beta"}};
const Rows kSecond = {{3, "gamma"}, {4, "delta"}, {5, "epsilon"}};

Rows concat(Rows a, const Rows& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void require_targets(Kit& kit) {
  if (!kit.has(MAGEIO_CAP_TABLES) && !kit.has(MAGEIO_CAP_PATHS))
    skip("the plugin declares neither tables nor paths, so the kit has nowhere to write");
}

// A target holding kFirst.
Target prepared(Kit& kit, Connector& connector) {
  const Target target = kit.new_target();
  kit.export_table(connector, target, kit.basic(kFirst));
  return target;
}

// An export whose input fails at its second batch must fail (with a message) and leave `target` as it was.
void expect_atomic(Kit& kit, Connector& connector, const Target& target, const std::string& if_exists, const Rows& rows,
                   const std::vector<std::string>& keys = {}, const std::string& method = {}) {
  kit.expect_error(
      "an export (if_exists " + if_exists + (keys.empty() ? "" : ", upsert") + ") whose input fails at its 2nd batch",
      [&] {
        kit.export_table(connector, target, kit.basic(rows), if_exists, {.batch_rows = 1, .fail_at_batch = 1}, keys,
                         method);
      });
}

void upsert(Kit& kit, const std::string& method, const Rows& expected) {
  Connector& connector = kit.connector();
  const Target target = kit.new_target();
  try {
    kit.export_table(connector, target, kit.basic(kFirst), "fail", {}, {"id"}, method);
  } catch (const sdk::Error& error) {
    fail("creating " + target.describe() +
         " by an export with unique_constraints [id] failed: " + describe_error(error));
  }
  kit.expect_content(connector, target, kit.basic(kFirst), "after the first upsert export");
  try {
    kit.export_table(connector, target, kit.basic({{1, "alpha changed"}, {3, "gamma"}}), "append", {}, {"id"}, method);
  } catch (const sdk::Error& error) {
    fail("the upsert (if_exists append, unique_constraints [id], " + method + ") failed: " + describe_error(error) +
         " (the table was created by an export with the same unique_constraints)");
  }
  kit.expect_content(connector, target, kit.basic(expected),
                     "after an upsert (" + method + ") of (1, \"alpha changed\") and (3, \"gamma\") into (1, 2)");
}

void if_exists_fail_leaves_target(Kit& kit) {
  require_targets(kit);
  Connector& connector = kit.connector();
  const Target target = prepared(kit, connector);
  kit.expect_content(connector, target, kit.basic(kFirst), "after the first export");
  kit.expect_error("an export with if_exists fail to the existing " + target.describe(),
                   [&] { kit.export_table(connector, target, kit.basic(kSecond), "fail"); },
                   {MAGEIO_STATUS_ALREADY_EXISTS});
  kit.expect_content(connector, target, kit.basic(kFirst), "after the refused export");
}

void if_exists_replace_rewrites(Kit& kit) {
  require_targets(kit);
  Connector& connector = kit.connector();
  const Target target = prepared(kit, connector);
  kit.export_table(connector, target, kit.basic(kSecond), "replace");
  kit.expect_content(connector, target, kit.basic(kSecond), "after if_exists replace");
}

void if_exists_append_adds(Kit& kit) {
  require_targets(kit);
  Connector& connector = kit.connector();
  const Target target = prepared(kit, connector);
  kit.export_table(connector, target, kit.basic(kSecond), "append");
  kit.expect_content(connector, target, kit.basic(concat(kFirst, kSecond)), "after if_exists append");
}

// Appending columns in another order, or fewer of them: matched by name (missing ones NULL), or
// refused with a message and the table left alone -- never written by position.
void append_matches_columns_by_name(Kit& kit) {
  require_targets(kit);
  Connector& connector = kit.connector();
  const Target target = prepared(kit, connector);
  Table swapped;
  swapped.schema = {{"name", kit.text_type(), true}, {"id", kit.key_type(), true}};
  swapped.rows.push_back({Value::bytes("gamma"), key_value(kit.key_type(), 3)});
  std::vector<std::string> notes;
  try {
    kit.export_table(connector, target, swapped, "append");
    kit.expect_content(connector, target, kit.basic({{1, "alpha"}, {2, "beta"}, {3, "gamma"}}),
                       "after appending the columns (name, id) to a table of (id, name)");
    notes.push_back("other order: matched by name");
  } catch (const sdk::Error& error) {
    Kit::require_message("appending the columns (name, id) to a table of (id, name)", error);
    kit.expect_content(connector, target, kit.basic(kFirst), "after the refused append of (name, id)");
    notes.push_back("other order: refused");
  }
  const TextTable before = kit.load(connector, target);
  Table fewer;
  fewer.schema = {{"id", kit.key_type(), true}};
  fewer.rows.push_back({key_value(kit.key_type(), 4)});
  try {
    kit.export_table(connector, target, fewer, "append");
    TextTable expected = before;
    expected.rows.push_back({to_text(fewer).rows[0][0], std::nullopt});
    if (auto difference = compare_tables(expected, kit.load(connector, target)))
      fail("after appending only (id) to a table of (id, name): " + *difference);
    notes.push_back("fewer columns: the others NULL");
  } catch (const sdk::Error& error) {
    Kit::require_message("appending only (id) to a table of (id, name)", error);
    if (auto difference = compare_tables(before, kit.load(connector, target)))
      fail("after the refused append of only (id): " + *difference);
    notes.push_back("fewer columns: refused");
  }
  kit.note(notes[0] + "; " + notes[1]);
}

void new_target_is_created(Kit& kit) {
  require_targets(kit);
  Connector& connector = kit.connector();
  for (const char* mode : {"replace", "append"}) {
    const Target target = kit.new_target();
    try {
      kit.export_table(connector, target, kit.basic(kFirst), mode);
    } catch (const sdk::Error& error) {
      fail(std::string("an export with if_exists ") + mode + " to a new " + target.describe() +
           " failed: " + describe_error(error));
    }
    kit.expect_content(connector, target, kit.basic(kFirst),
                       std::string("after if_exists ") + mode + " to a new target");
  }
}

void empty_stream_exports(Kit& kit) {
  require_targets(kit);
  Connector& connector = kit.connector();
  const Target target = kit.new_target();
  try {
    kit.export_table(connector, target, kit.basic({}), "fail", {.zero_batches = true});
  } catch (const sdk::Error& error) {
    Kit::require_message("an export of a stream with a schema and no batches", error);
    require(!kit.exists(connector, target), "the refused export of an empty stream still created " + target.describe());
    kit.note("refused: " + describe_error(error));
    return;
  }
  TextTable loaded;
  try {
    loaded = kit.load(connector, target);
  } catch (const sdk::Error& error) {
    fail("the export of an empty stream succeeded but loading " + target.describe() +
         " failed: " + describe_error(error));
  }
  require(loaded.rows.empty(), "the export of an empty stream left " + std::to_string(loaded.rows.size()) + " rows");
  const std::vector<std::string> names = {"id", "name"};
  if (loaded.names.empty() && kit.paths()) {
    // A file format that records columns only with rows (JSON Lines) has nothing to give back.
    kit.note("loads back with no columns (the format keeps no columns without rows)");
    return;
  }
  require(loaded.names == names,
          "the export of an empty stream left columns " + show_names(loaded.names) + ", not " + show_names(names));
}

void failed_create_leaves_nothing(Kit& kit) {
  require_targets(kit);
  Connector& connector = kit.connector();
  const Target target = kit.new_target();
  expect_atomic(kit, connector, target, "fail", kSecond);
  require(!kit.exists(connector, target), "the failed export left " + target.describe() + " behind");
}

// An export with if_exists `mode` whose input fails halfway leaves the existing target as it was.
void failed_export_leaves_existing_target(Kit& kit, const std::string& mode) {
  require_targets(kit);
  Connector& connector = kit.connector();
  const Target target = prepared(kit, connector);
  expect_atomic(kit, connector, target, mode, kSecond);
  kit.expect_content(connector, target, kit.basic(kFirst), std::string("after the failed export (") + mode + ")");
}

void failed_upsert_leaves_target(Kit& kit) {
  require_targets(kit);
  Connector& connector = kit.connector();
  const Target target = kit.new_target();
  kit.export_table(connector, target, kit.basic(kFirst), "fail", {}, {"id"}, "UPDATE");
  expect_atomic(kit, connector, target, "append", {{1, "alpha changed"}, {9, "iota"}, {10, "kappa"}}, {"id"}, "UPDATE");
  kit.expect_content(connector, target, kit.basic(kFirst), "after the failed upsert");
}

void cancelled_export_leaves_target(Kit& kit) {
  require_targets(kit);
  kit.connector();  // skips when there is no instance
  auto connector = kit.open_fresh();
  const Target target = prepared(kit, *connector);
  auto& cancel = connector->callbacks().cancel_requested;
  kit.expect_error("an export (if_exists replace) cancelled by the host during its 2nd of 4 batches",
                   [&] {
                     kit.export_table(*connector, target, kit.basic({{6, "f"}, {7, "g"}, {8, "h"}, {9, "i"}}),
                                      "replace", {.batch_rows = 1, .before_batch = [&](int batch) {
                                                    if (batch == 1) cancel = true;
                                                  }});
                   },
                   {MAGEIO_STATUS_CANCELLED});
  cancel = false;
  kit.expect_content(*connector, target, kit.basic(kFirst), "after the cancelled export");
}

// Instances are used by one thread at a time, but different instances may work at the same time.
void instances_export_concurrently(Kit& kit) {
  require_targets(kit);
  kit.connector();  // skips when there is no instance
  constexpr int kThreads = 4;
  std::vector<Target> targets;
  std::vector<std::unique_ptr<Connector>> connectors;
  for (int t = 0; t < kThreads; ++t) {
    targets.push_back(kit.new_target());
    connectors.push_back(kit.open_fresh());
  }
  std::vector<Rows> rows(kThreads);
  for (int t = 0; t < kThreads; ++t)
    for (int64_t i = 1; i <= 1000; ++i)
      rows[t].emplace_back(i, "thread " + std::to_string(t) + " row " + std::to_string(i));
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        kit.export_table(*connectors[t], targets[t], kit.basic(rows[t]), "fail", {.batch_rows = 100});
        kit.export_table(*connectors[t], targets[t], kit.basic(rows[t]), "replace", {.batch_rows = 100});
      } catch (const sdk::Error& error) {
        errors[t] = describe_error(error);
      } catch (const std::exception& error) {
        errors[t] = error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    if (!errors[t].empty())
      fail("the export of instance " + std::to_string(t + 1) + " of " + std::to_string(kThreads) +
           " exporting at the same time failed: " + errors[t]);
    kit.expect_content(*connectors[t], targets[t], kit.basic(rows[t]),
                       "after " + std::to_string(kThreads) + " instances exported at the same time");
  }
}

// A text key is compared exactly: keys that differ only in case, accents or a trailing space are
// different rows (a case- or accent-insensitive unique index would merge them).
void upsert_compares_text_keys_exactly(Kit& kit) {
  require_targets(kit);
  Connector& connector = kit.connector();
  const Target target = kit.new_target();
  const Rows first = {{1, "Alpha"}, {2, "alpha"}, {3, "\xC3\xA9lan"}, {4, "elan"}, {5, "pad"}, {6, "pad "}};
  try {
    kit.export_table(connector, target, kit.basic(first), "fail", {}, {"name"}, "UPDATE");
  } catch (const sdk::Error& error) {
    fail("creating " + target.describe() +
         " with unique_constraints [name] from keys that differ only in case, "
         "accents or a trailing space failed: " +
         describe_error(error));
  }
  kit.expect_content(connector, target, kit.basic(first), "after the first export with unique_constraints [name]");
  kit.export_table(connector, target, kit.basic({{20, "alpha"}, {40, "elan"}, {60, "pad "}, {7, "new"}}), "append", {},
                   {"name"}, "UPDATE");
  kit.expect_content(
      connector, target,
      kit.basic({{1, "Alpha"}, {20, "alpha"}, {3, "\xC3\xA9lan"}, {40, "elan"}, {5, "pad"}, {60, "pad "}, {7, "new"}}),
      "after an upsert on the text key name");
}

}  // namespace

// The steps above, each a check of its own.
void export_checks(Kit& kit) {
  kit.check_with(kLoadExport, "export.if_exists_fail", [&] { if_exists_fail_leaves_target(kit); });

  kit.check_with(kLoadExport, "export.if_exists_replace", [&] { if_exists_replace_rewrites(kit); });

  kit.check_with(kLoadExport, "export.if_exists_append", [&] { if_exists_append_adds(kit); });

  kit.check_with(kLoadExport, "export.append_by_name", [&] { append_matches_columns_by_name(kit); });

  kit.check_with(kLoadExport, "export.new_target", [&] { new_target_is_created(kit); });

  kit.check_with(kLoadExport, "export.empty_stream", [&] { empty_stream_exports(kit); });

  kit.check_with(kLoadExport, "export.atomic.create", [&] { failed_create_leaves_nothing(kit); });
  for (const char* mode : {"replace", "append"})
    kit.check_with(kLoadExport, std::string("export.atomic.") + mode,
                   [&kit, mode] { failed_export_leaves_existing_target(kit, mode); });
  kit.check_with(kLoadExport | MAGEIO_CAP_UPSERT, "export.atomic.upsert", [&] { failed_upsert_leaves_target(kit); });

  kit.check_with(kLoadExport, "export.cancelled", [&] { cancelled_export_leaves_target(kit); });

  kit.check_with(kLoadExport, "export.concurrent_instances", [&] { instances_export_concurrently(kit); });

  kit.check_with(kLoadExport | MAGEIO_CAP_UPSERT, "export.upsert.update", [&] {
    require_targets(kit);
    upsert(kit, "UPDATE", {{1, "alpha changed"}, {2, "beta"}, {3, "gamma"}});
  });
  kit.check_with(kLoadExport | MAGEIO_CAP_UPSERT, "export.upsert.ignore", [&] {
    require_targets(kit);
    upsert(kit, "IGNORE", {{1, "alpha"}, {2, "beta"}, {3, "gamma"}});
  });

  kit.check_with(kLoadExport | MAGEIO_CAP_UPSERT, "export.upsert.text_key",
                 [&] { upsert_compares_text_keys_exactly(kit); });
}

}  // namespace mageio::conformance::detail
