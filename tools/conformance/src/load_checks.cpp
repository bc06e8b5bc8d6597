// roundtrip.* and load.*: every claimed type through export and back, unicode, many batches; limits,
// missing targets and cancellation of a load.
#include "context.hpp"

#include <algorithm>

namespace mageio::conformance::detail {
namespace {

constexpr uint64_t kLoadExport = MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT;

void require_targets(Kit& kit) {
  if (!kit.has(MAGEIO_CAP_TABLES) && !kit.has(MAGEIO_CAP_PATHS))
    skip("the plugin declares neither tables nor paths, so the kit has nowhere to write");
}

std::vector<sdk::DataType> claimed_types(Kit& kit) {
  std::vector<sdk::DataType> types;
  for (const auto& name : kit.plugin().supported_types()) {
    try {
      types.push_back(sdk::DataType::from_name(name));
    } catch (const std::exception&) {
      // descriptor.supported_types reports it
    }
  }
  return types;
}

// Exports `table` to a new target and loads it back.
TextTable round_trip(Kit& kit, const Table& table, SourceOptions source = {}, std::optional<int64_t> batch_rows = {}) {
  Connector& connector = kit.connector();
  const Target target = kit.new_target();
  try {
    kit.export_table(connector, target, table, "fail", std::move(source));
  } catch (const sdk::Error& error) {
    fail("export to " + target.describe() + " failed: " + describe_error(error));
  }
  try {
    return kit.load(connector, target, std::nullopt, batch_rows);
  } catch (const sdk::Error& error) {
    fail("loading " + target.describe() + " back failed: " + describe_error(error));
  }
}

void compare_type_column(const TextTable& expected, int column, const TextTable& loaded) {
  const std::string& name = expected.names[static_cast<size_t>(column)];
  const sdk::DataType& type = expected.types[static_cast<size_t>(column)];
  const int found = loaded.column(name);
  require(found >= 0, "column " + show(name) +
                          " is missing after the round trip (loaded columns: " + show_names(loaded.names) + ")");
  const sdk::DataType& got = loaded.types[static_cast<size_t>(found)];
  require(got == type, "comes back as " + got.name() + ", not " + type.name());
  if (auto difference = compare_columns(expected, column, loaded, found)) fail(*difference);
}

}  // namespace

void roundtrip_checks(Kit& kit) {
  const std::vector<sdk::DataType> types = claimed_types(kit);
  const Table table = all_types_table(types);
  const TextTable expected = to_text(table);
  std::optional<TextTable> loaded;

  kit.check_with(kLoadExport, "roundtrip.all_types", [&] {
    require_targets(kit);
    if (types.empty()) skip("the plugin claims no types (supported_types is empty)");
    loaded = round_trip(kit, table, {.batch_rows = 3});
    if (auto difference = compare_tables(expected, *loaded)) fail(*difference);
    kit.note(std::to_string(types.size()) + " types, " + std::to_string(table.rows.size()) + " rows");
  });
  for (size_t i = 0; i < types.size(); ++i) {
    kit.check_with(kLoadExport, "roundtrip.type." + types[i].name(), [&] {
      require_targets(kit);
      if (loaded) {
        compare_type_column(expected, static_cast<int>(i), *loaded);
        return;
      }
      // The combined table did not come back: this type on its own.
      const Table single = all_types_table({types[i]});
      compare_type_column(to_text(single), 0, round_trip(kit, single, {.batch_rows = 3}));
    });
    auto& tested = kit.report().types_tested;
    if (kit.has(kLoadExport) && std::find(tested.begin(), tested.end(), types[i].name()) == tested.end())
      tested.push_back(types[i].name());
  }

  // The append path (into an existing table or file) often differs from the create path.
  kit.check_with(kLoadExport, "roundtrip.append_all_types", [&] {
    require_targets(kit);
    if (types.empty()) skip("the plugin claims no types (supported_types is empty)");
    Connector& connector = kit.connector();
    const Target target = kit.new_target();
    kit.export_table(connector, target, table, "fail", {.batch_rows = 5});
    kit.export_table(connector, target, table, "append", {.batch_rows = 5});
    Table twice = table;
    twice.rows.insert(twice.rows.end(), table.rows.begin(), table.rows.end());
    kit.expect_content(connector, target, twice, "after appending the same rows again");
  });

  kit.check_with(kLoadExport, "roundtrip.large_values", [&] {
    require_targets(kit);
    const auto& names = kit.plugin().supported_types();
    auto claimed = [&](const char* name) { return std::find(names.begin(), names.end(), name) != names.end(); };
    Table large;
    large.schema.push_back({"id", kit.key_type(), true});
    std::vector<Cell> row{key_value(kit.key_type(), 1)};
    std::string text;
    while (text.size() < (1u << 20))
      text += "line " + std::to_string(text.size()) + " \xC3\xA9\xE6\xBC\xA2\xF0\x9F\x98\x80\n";
    std::string bytes;
    for (size_t i = 0; i < (1u << 20); ++i) bytes.push_back(static_cast<char>((i * 7919) % 256));
    for (const char* type : {"utf8", "large_utf8", "binary", "large_binary"}) {
      if (!claimed(type)) continue;
      const sdk::DataType data_type = sdk::DataType::from_name(type);
      large.schema.push_back({std::string("c_") + type, data_type, true});
      row.push_back(Value::bytes(data_type.is_string() ? text : bytes));
    }
    if (large.schema.size() == 1) skip("the plugin claims no string or binary type");
    large.rows.push_back(std::move(row));
    if (auto difference = compare_tables(to_text(large), round_trip(kit, large))) fail(*difference);
    kit.note("1 MiB values");
  });

  kit.check_with(kLoadExport, "roundtrip.unicode", [&] {
    require_targets(kit);
    const auto& names = kit.plugin().supported_types();
    const bool utf8 = std::find(names.begin(), names.end(), "utf8") != names.end();
    const bool large = std::find(names.begin(), names.end(), "large_utf8") != names.end();
    if (!utf8 && !large) skip("the plugin claims no string type (utf8, large_utf8)");
    Table unicode;
    unicode.schema = {{"id", kit.key_type(), true}, {"text", utf8 ? sdk::utf8() : sdk::large_utf8(), true}};
    int64_t id = 0;
    for (const auto& value : unicode_strings()) unicode.rows.push_back({key_value(kit.key_type(), ++id), value});
    if (auto difference = compare_tables(to_text(unicode), round_trip(kit, unicode))) fail(*difference);
  });

  kit.check_with(kLoadExport, "roundtrip.many_rows", [&] {
    require_targets(kit);
    std::vector<std::pair<int64_t, std::string>> rows;
    for (int64_t i = 1; i <= 10000; ++i) rows.emplace_back(i, "row " + std::to_string(i) + " of many");
    const Table many = kit.basic(rows);
    if (auto difference = compare_tables(to_text(many), round_trip(kit, many, {.batch_rows = 1000}, 1000)))
      fail(*difference);
    kit.note("10000 rows in batches of 1000");
  });
}

void load_checks(Kit& kit) {
  kit.check_with(kLoadExport, "load.limit", [&] {
    require_targets(kit);
    Connector& connector = kit.connector();
    const Target target = kit.new_target();
    const Table five = kit.basic({{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}});
    kit.export_table(connector, target, five);
    const TextTable all = to_text(five);
    TextTable two = kit.load(connector, target, 2);
    require(two.rows.size() == 2, "a load with limit 2 gave " + std::to_string(two.rows.size()) + " rows");
    for (const auto& row : two.rows)
      require(std::find(all.rows.begin(), all.rows.end(), row) != all.rows.end(),
              "a load with limit 2 gave a row that is not in the table");
    TextTable none = kit.load(connector, target, 0);
    require(none.rows.empty(), "a load with limit 0 gave " + std::to_string(none.rows.size()) + " rows");
    require(none.names == all.names,
            "a load with limit 0 has columns " + show_names(none.names) + ", not " + show_names(all.names));
  });

  kit.check_with(MAGEIO_CAP_LOAD, "load.missing_target", [&] {
    require_targets(kit);
    const Target missing = kit.new_target();
    if (kit.paths())
      kit.expect_error("load of the missing " + missing.describe(), [&] { kit.load(kit.connector(), missing); },
                       {MAGEIO_STATUS_NOT_FOUND, MAGEIO_STATUS_IO});
    else
      kit.expect_error("load of the missing " + missing.describe(), [&] { kit.load(kit.connector(), missing); },
                       {MAGEIO_STATUS_NOT_FOUND, MAGEIO_STATUS_BACKEND});
  });

  kit.check_with(kLoadExport, "load.cancelled", [&] {
    require_targets(kit);
    kit.connector();  // skips when there is no instance
    auto connector = kit.open_fresh();
    const Target target = kit.new_target();
    std::vector<std::pair<int64_t, std::string>> rows;
    for (int64_t i = 1; i <= 10; ++i) rows.emplace_back(i, "r" + std::to_string(i));
    kit.export_table(*connector, target, kit.basic(rows));
    BatchReader reader = connector->load(LoadOptions{.table = target.table, .path = target.path, .batch_rows = 2});
    sdk::OwnedArray batch;
    require(reader.next(batch), "the load of 10 rows gave no batch");
    connector->callbacks().cancel_requested = true;
    try {
      if (reader.next(batch)) fail("the load returned another batch after the host asked it to stop (is_cancelled)");
      kit.note("the whole result came in one batch, so cancellation could not be observed");
    } catch (const sdk::Error& error) {
      require(error.status() == MAGEIO_STATUS_CANCELLED, "after the host asked it to stop, the load failed with " +
                                                             describe_error(error) + " instead of CANCELLED");
    }
  });
}

}  // namespace mageio::conformance::detail
