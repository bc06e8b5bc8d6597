// table_exists.* and alter_table.*: existence both ways; add, rename, drop and retype a column, each
// seen through a load of the table afterwards.
#include "context.hpp"

#include <algorithm>

namespace mageio::conformance::detail {
namespace {

constexpr uint64_t kAlter = MAGEIO_CAP_ALTER_TABLE | MAGEIO_CAP_EXPORT | MAGEIO_CAP_LOAD;

using Rows = std::vector<std::pair<int64_t, std::string>>;
const Rows kRows = {{1, "one"}, {2, "two"}};

bool claims(Kit& kit, const std::string& type) {
  const auto& types = kit.plugin().supported_types();
  return std::find(types.begin(), types.end(), type) != types.end();
}

void require_tables(Kit& kit) {
  if (kit.paths() || !kit.has(MAGEIO_CAP_TABLES)) skip("alter_table works on tables; the plugin's targets are paths");
}

// A table holding kRows, plus its rows with a third column appended.
Target prepared(Kit& kit, Connector& connector, const Table& table) {
  const Target target = kit.new_target();
  kit.export_table(connector, target, table);
  return target;
}

void alter(Connector& connector, const AlterTableOptions& options, const std::string& what) {
  try {
    connector.alter_table(options);
  } catch (const sdk::Error& error) {
    fail(what + " failed: " + describe_error(error));
  }
}

}  // namespace

void table_checks(Kit& kit) {
  kit.check_with(MAGEIO_CAP_TABLE_EXISTS | MAGEIO_CAP_EXPORT, "table_exists.existing", [&] {
    if (!kit.has(MAGEIO_CAP_TABLES) && !kit.has(MAGEIO_CAP_PATHS)) skip("the plugin declares neither tables nor paths");
    Connector& connector = kit.connector();
    const Target target = prepared(kit, connector, kit.basic(kRows));
    require(kit.exists(connector, target), "table_exists says the exported " + target.describe() + " does not exist");
  });
  kit.check_with(MAGEIO_CAP_TABLE_EXISTS, "table_exists.missing", [&] {
    if (!kit.has(MAGEIO_CAP_TABLES) && !kit.has(MAGEIO_CAP_PATHS)) skip("the plugin declares neither tables nor paths");
    const Target target = kit.new_target();
    require(!kit.exists(kit.connector(), target), "table_exists says the missing " + target.describe() + " exists");
  });

  const sdk::DataType added_type = claims(kit, "int64") ? sdk::int64() : kit.key_type();
  const std::string added = "Extra \"Col\"";

  kit.check_with(kAlter, "alter_table.add_column", [&] {
    require_tables(kit);
    Connector& connector = kit.connector();
    const Target target = prepared(kit, connector, kit.basic(kRows));
    alter(connector,
          {.table = target.table, .action = mageio::AlterAction::AddColumn, .column = added, .type = added_type.name()},
          "add_column " + show(added) + " " + added_type.name());
    const TextTable loaded = kit.load(connector, target);
    const std::vector<std::string> names = {"id", "name", added};
    require(loaded.names == names,
            "after add_column the table has columns " + show_names(loaded.names) + ", not " + show_names(names));
    require(loaded.types[2] == added_type,
            "the added column loads as " + loaded.types[2].name() + ", not " + added_type.name());
    Table expected = kit.basic(kRows);
    expected.schema.push_back({added, added_type, true});
    for (auto& row : expected.rows) row.emplace_back(std::nullopt);
    if (auto difference = compare_tables(to_text(expected), loaded)) fail("after add_column: " + *difference);
  });

  kit.check_with(kAlter, "alter_table.rename_column", [&] {
    require_tables(kit);
    Connector& connector = kit.connector();
    const Target target = prepared(kit, connector, kit.basic(kRows));
    alter(
        connector,
        {.table = target.table, .action = mageio::AlterAction::RenameColumn, .column = "name", .new_name = "new name"},
        "rename_column name to \"new name\"");
    Table expected = kit.basic(kRows);
    expected.schema[1].name = "new name";
    kit.expect_content(connector, target, expected, "after rename_column");
  });

  kit.check_with(kAlter, "alter_table.drop_column", [&] {
    require_tables(kit);
    Connector& connector = kit.connector();
    Table three = kit.basic(kRows);
    three.schema.push_back({"extra", kit.text_type(), true});
    for (auto& row : three.rows) row.push_back(Value::bytes("to be dropped"));
    const Target target = prepared(kit, connector, three);
    alter(connector, {.table = target.table, .action = mageio::AlterAction::DropColumn, .column = "extra"},
          "drop_column extra");
    kit.expect_content(connector, target, kit.basic(kRows), "after drop_column");
  });

  kit.check_with(kAlter, "alter_table.alter_column_type", [&] {
    require_tables(kit);
    Connector& connector = kit.connector();
    const Target target = prepared(kit, connector, kit.basic(kRows));
    const sdk::DataType to = kit.key_type().is_string() ? sdk::int64() : kit.text_type();
    try {
      connector.alter_table(
          {.table = target.table, .action = mageio::AlterAction::AlterColumnType, .column = "id", .type = to.name()});
    } catch (const sdk::Error& error) {
      if (error.status() != MAGEIO_STATUS_NOT_IMPLEMENTED)
        fail("alter_column_type id to " + to.name() + " failed: " + describe_error(error));
      Kit::require_message("alter_column_type", error);
      kit.note("not supported (NOT_IMPLEMENTED, with a message)");
      return;
    }
    const TextTable loaded = kit.load(connector, target);
    require(loaded.names.size() == 2 && loaded.names[0] == "id",
            "after alter_column_type the table has columns " + show_names(loaded.names));
    require(loaded.types[0] == to,
            "after alter_column_type to " + to.name() + " the column loads as " + loaded.types[0].name());
    if (auto difference = compare_tables(to_text(kit.basic(kRows)), loaded))
      fail("after alter_column_type: " + *difference);
  });

  kit.check_with(MAGEIO_CAP_ALTER_TABLE, "alter_table.missing_table", [&] {
    require_tables(kit);
    const Target target = kit.new_target();
    kit.expect_error("add_column on the missing " + target.describe(),
                     [&] {
                       kit.connector().alter_table({.table = target.table,
                                                    .action = mageio::AlterAction::AddColumn,
                                                    .column = "c",
                                                    .type = added_type.name()});
                     },
                     {MAGEIO_STATUS_NOT_FOUND, MAGEIO_STATUS_BACKEND});
  });

  kit.check_with(kAlter, "alter_table.missing_column", [&] {
    require_tables(kit);
    Connector& connector = kit.connector();
    const Target target = prepared(kit, connector, kit.basic(kRows));
    kit.expect_error(
        "drop_column of a column the table does not have",
        [&] {
          connector.alter_table(
              {.table = target.table, .action = mageio::AlterAction::DropColumn, .column = "no_such_column"});
        },
        {MAGEIO_STATUS_NOT_FOUND, MAGEIO_STATUS_BACKEND, MAGEIO_STATUS_INVALID_ARGUMENT});
    kit.expect_content(connector, target, kit.basic(kRows), "after the refused drop_column");
  });
}

}  // namespace mageio::conformance::detail
