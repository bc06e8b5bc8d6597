// identifiers.*: table names (or file names) and column names that need quoting survive exactly --
// through a create, a replace (drop and create again) and an append (matching existing columns).
#include "context.hpp"

namespace mageio::conformance::detail {
namespace {

constexpr uint64_t kLoadExport = MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT;

struct Name {
  const char* label;
  std::string name;
};

// Non-ASCII letters from the Basic Multilingual Plane only: MySQL identifiers cannot hold others.
const char* const kUnicodeName =
    "\xC3\xBC"
    "n\xC3\xAF_\xE5\x90\x8D\xE5\x89\x8D";  // ünï_名前

std::vector<Name> table_names(Kit& kit) {
  const std::string base = kit.unique_name();
  return {
      {"double_quote", base + "_dq\"x\""},    {"single_quote", base + "_sq'x"}, {"backtick", base + "_bt`x`"},
      {"space", base + " with space"},        {"mixed_case", base + "_MiXeD"},  {"dot", base + ".dot"},
      {"unicode", base + "_" + kUnicodeName}, {"reserved_word", "select"},
  };
}

std::vector<Name> file_names(Kit& kit) {
  const std::string base = kit.unique_name();
  return {
      {"double_quote", base + "_dq\"x\""},
      {"single_quote", base + "_sq'x"},
      {"backtick", base + "_bt`x`"},
      {"space", base + " with space"},
      {"mixed_case", base + "_MiXeD"},
      {"dots_and_dashes", base + "-a.b-c"},
      {"unicode", base + "_" + kUnicodeName + "_\xF0\x9F\x98\x80"},
  };
}

// Create, replace, append: each must find the same target again.
void exercise(Kit& kit, Connector& connector, const Target& target, const Table& first, const Table& second) {
  kit.export_table(connector, target, first, "fail");
  if (kit.has(MAGEIO_CAP_TABLE_EXISTS))
    require(kit.exists(connector, target),
            "table_exists says " + target.describe() + " does not exist after the export");
  kit.expect_content(connector, target, first, "after the first export to " + target.describe());
  kit.export_table(connector, target, second, "replace");
  kit.expect_content(connector, target, second, "after if_exists replace");
  kit.export_table(connector, target, first, "append");
  Table both = second;
  both.rows.insert(both.rows.end(), first.rows.begin(), first.rows.end());
  kit.expect_content(connector, target, both, "after if_exists append");
}

}  // namespace

void identifier_checks(Kit& kit) {
  const bool paths = kit.paths();
  const std::string group = paths ? "identifiers.path." : "identifiers.table.";
  for (const auto& [label, name] : paths ? file_names(kit) : table_names(kit)) {
    kit.check_with(kLoadExport, group + label, [&, name = name] {
      if (!kit.has(MAGEIO_CAP_TABLES) && !kit.has(MAGEIO_CAP_PATHS))
        skip("the plugin declares neither tables nor paths");
      Connector& connector = kit.connector();
      if (!paths && name == "select" && kit.exists(connector, Target{name, {}}))
        skip("a table named select already exists; the kit leaves it alone");
      const Target target = kit.new_target(name);
      exercise(kit, connector, target, kit.basic({{1, "one"}, {2, "two"}}), kit.basic({{3, "three"}}));
    });
  }

  // Longer than PostgreSQL's 63 bytes and MySQL's 64 characters: a plugin may refuse it (with a message,
  // creating nothing), but must not let the backend cut it short behind its back.
  kit.check_with(kLoadExport, group + "long_name", [&] {
    if (!kit.has(MAGEIO_CAP_TABLES) && !kit.has(MAGEIO_CAP_PATHS)) skip("the plugin declares neither tables nor paths");
    Connector& connector = kit.connector();
    std::string name = kit.unique_name() + "_long";
    while (name.size() < (paths ? 200u : 100u)) name += "_long";
    const Target target = kit.new_target(name);
    const Table first = kit.basic({{1, "one"}, {2, "two"}});
    try {
      kit.export_table(connector, target, first, "fail");
    } catch (const sdk::Error& error) {
      Kit::require_message("an export to a " + std::to_string(name.size()) + "-byte name", error);
      require(!kit.exists(connector, target), "the refused export still created " + target.describe());
      kit.forget(target);
      kit.note("refused: " + describe_error(error));
      return;
    }
    kit.expect_content(connector, target, first, "after the export to a " + std::to_string(name.size()) + "-byte name");
    if (kit.has(MAGEIO_CAP_TABLE_EXISTS))
      require(kit.exists(connector, target),
              "table_exists says " + target.describe() + " does not exist after the export");
    kit.export_table(connector, target, kit.basic({{3, "three"}}), "replace");
    kit.expect_content(connector, target, kit.basic({{3, "three"}}), "after if_exists replace");
  });

  kit.check_with(kLoadExport, "identifiers.long_column_name", [&] {
    if (!kit.has(MAGEIO_CAP_TABLES) && !kit.has(MAGEIO_CAP_PATHS)) skip("the plugin declares neither tables nor paths");
    Connector& connector = kit.connector();
    std::string column = "column";
    while (column.size() < 100) column += "_long";
    Table table = kit.basic({{1, "one"}});
    table.schema[1].name = column;
    const Target target = kit.new_target();
    try {
      kit.export_table(connector, target, table, "fail");
    } catch (const sdk::Error& error) {
      Kit::require_message("an export with a " + std::to_string(column.size()) + "-byte column name", error);
      require(!kit.exists(connector, target), "the refused export still created " + target.describe());
      kit.note("refused: " + describe_error(error));
      return;
    }
    kit.expect_content(connector, target, table,
                       "after the export with a " + std::to_string(column.size()) + "-byte column name");
  });

  kit.check_with(kLoadExport, "identifiers.columns", [&] {
    if (!kit.has(MAGEIO_CAP_TABLES) && !kit.has(MAGEIO_CAP_PATHS)) skip("the plugin declares neither tables nor paths");
    Connector& connector = kit.connector();
    const std::vector<std::string> names = {"dq\"col\"", "sq'col", "bt`col`", "with space", "MixedCase",
                                            "select",    "order",  "group",   "dot.col",    std::string(kUnicodeName)};
    auto make = [&](int64_t first_id) {
      Table table;
      table.schema.push_back({"id", kit.key_type(), true});
      for (const auto& name : names) table.schema.push_back({name, kit.text_type(), true});
      for (int64_t id = first_id; id < first_id + 2; ++id) {
        std::vector<Cell> row{key_value(kit.key_type(), id)};
        for (size_t c = 0; c < names.size(); ++c)
          row.push_back(Value::bytes("v" + std::to_string(id) + "." + std::to_string(c)));
        table.rows.push_back(std::move(row));
      }
      return table;
    };
    exercise(kit, connector, kit.new_target(), make(1), make(3));
  });
}

}  // namespace mageio::conformance::detail
