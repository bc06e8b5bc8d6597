// mageio plugins [--json] [--verbose]: the plugins found, what they can do and where they came from.
#include "cli_context.hpp"
#include "commands.hpp"
#include "table_printer.hpp"

#include <boost/json.hpp>

#include <iostream>

namespace json = boost::json;

namespace mageio::cli {
namespace {

std::string abi_text(uint32_t version) { return sdk::abi_version_text(version); }

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

const char* type_name(sdk::ConfigType type) {
  switch (type) {
    case sdk::ConfigType::Integer: return "integer";
    case sdk::ConfigType::Boolean: return "boolean";
    case sdk::ConfigType::String: break;
  }
  return "string";
}

json::object plugin_json(const Plugin& plugin) {
  json::array capabilities, keys, types;
  for (const auto& name : capability_names(plugin.capabilities())) capabilities.emplace_back(name);
  for (const auto& key : plugin.config_schema().keys) {
    json::object item{{"name", key.name},         {"alias", key.alias},   {"type", type_name(key.type)},
                      {"required", key.required}, {"secret", key.secret}, {"description", key.description}};
    item["default"] = key.default_value ? json::value(*key.default_value) : json::value(nullptr);
    keys.emplace_back(std::move(item));
  }
  for (const auto& type : plugin.supported_types()) types.emplace_back(type);
  return json::object{{"name", plugin.name()},
                      {"version", plugin.version()},
                      {"abi", abi_text(plugin.abi_version())},
                      {"capabilities", std::move(capabilities)},
                      {"path", plugin.path().string()},
                      {"description", plugin.description()},
                      {"config_section", plugin.config_schema().section},
                      {"config_keys", std::move(keys)},
                      {"supported_types", std::move(types)}};
}

// JSON with two-space indentation, for people and for tools alike.
void pretty(std::ostream& out, const json::value& value, int indent = 0) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  const std::string inner(static_cast<size_t>(indent) + 2, ' ');
  if (value.is_object()) {
    const auto& object = value.get_object();
    if (object.empty()) {
      out << "{}";
      return;
    }
    out << "{\n";
    bool first = true;
    for (const auto& [key, item] : object) {
      if (!first) out << ",\n";
      first = false;
      out << inner << json::serialize(json::string(key)) << ": ";
      pretty(out, item, indent + 2);
    }
    out << "\n" << pad << "}";
  } else if (value.is_array()) {
    const auto& array = value.get_array();
    if (array.empty()) {
      out << "[]";
      return;
    }
    out << "[\n";
    bool first = true;
    for (const auto& item : array) {
      if (!first) out << ",\n";
      first = false;
      out << inner;
      pretty(out, item, indent + 2);
    }
    out << "\n" << pad << "]";
  } else {
    out << json::serialize(value);
  }
}

}  // namespace

CLI::App* declare_plugins(CLI::App& mageio) {
  CLI::App* command =
      add_command(mageio, "plugins", "list the plugins found, their capabilities and where they came from",
                  "usage: mageio plugins [--json] [--verbose] [--plugin-dir DIR ...]",
                  "Lists the plugins found: NAME VERSION ABI CAPABILITIES PATH.\n"
                  "Plugins are searched for in: --plugin-dir directories (in order), then MAGEIO_PLUGIN_PATH\n"
                  "(colon-separated), then the directory next to this program (../lib/mageio/plugins).");
  add_flag(*command, "--json",
           "a JSON array, one object per plugin, with its description and the io_config.yaml keys it reads (with "
           "--verbose: an object with \"plugins\", \"search_path\" and \"rejected\")");
  add_flag(*command, "--verbose", "also the directories searched and every file that was rejected, and why");
  return command;
}

int run_plugins(const ParsedArgs& parsed) {
  const bool verbose = parsed.has("--verbose");
  CliContext context(CommonOptions::from(parsed));
  Registry& registry = context.registry();
  const auto plugins = registry.plugins();
  const auto rejections = registry.rejections();
  const auto search_path = registry.search_path();

  if (parsed.has("--json")) {
    json::array list;
    for (const auto& plugin : plugins) list.emplace_back(plugin_json(*plugin));
    if (!verbose) {
      pretty(std::cout, list);
    } else {
      json::array dirs, rejected;
      for (const auto& [dir, origin] : search_path)
        dirs.emplace_back(json::object{{"path", dir.string()}, {"origin", origin}});
      for (const auto& rejection : rejections)
        rejected.emplace_back(json::object{{"path", rejection.path.string()}, {"reason", rejection.reason}});
      pretty(std::cout,
             json::object{
                 {"plugins", std::move(list)}, {"search_path", std::move(dirs)}, {"rejected", std::move(rejected)}});
    }
    std::cout << '\n';
    return 0;
  }

  TablePrinter table(std::cout, {"NAME", "VERSION", "ABI", "CAPABILITIES", "PATH"}, {}, 0);
  std::vector<std::vector<std::string>> rows;
  for (const auto& plugin : plugins)
    rows.push_back({plugin->name(), plugin->version(), abi_text(plugin->abi_version()),
                    join(capability_names(plugin->capabilities()), ","), plugin->path().string()});
  table.measure(rows);
  table.print_header();
  for (const auto& row : rows) table.print_row(row);
  std::cout << "(" << plugins.size() << (plugins.size() == 1 ? " plugin)" : " plugins)") << '\n';

  if (verbose) {
    std::cout << "\nsearch path (in order):\n";
    if (search_path.empty()) std::cout << "  (none)\n";
    for (const auto& [dir, origin] : search_path) std::cout << "  " << dir.string() << "  (" << origin << ")\n";
    std::cout << "\nrejected candidates:\n";
    if (rejections.empty()) std::cout << "  (none)\n";
    for (const auto& rejection : rejections)
      std::cout << "  " << rejection.path.string() << ": " << one_line(rejection.reason) << '\n';
  } else if (!rejections.empty()) {
    context.note("mageio: note: " + std::to_string(rejections.size()) +
                 (rejections.size() == 1 ? " candidate was" : " candidates were") +
                 " rejected; 'mageio plugins --verbose' says why");
  }
  return 0;
}

}  // namespace mageio::cli
