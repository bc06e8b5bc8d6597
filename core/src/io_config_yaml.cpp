// Reading io_config.yaml: the YAML (yaml-cpp, after the templates are swapped for placeholders, so a
// value with YAML-special characters arrives intact and a template in a YAML comment is never rendered)
// into profiles of flat keys and nested sections, with every error naming file and line.
#include <mageio/core/io_config.hpp>

#include <mageio/sdk/error.hpp>

#include "io_config_templates.hpp"
#include "io_config_text.hpp"

#include <yaml-cpp/yaml.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace mageio {
namespace {

using io_config_detail::join;
using io_config_detail::Source;
using io_config_detail::Template;
using io_config_detail::where;
using sdk::invalid_argument;

const char* kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return "a single value";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    default: return "empty";
  }
}

bool is_merge_key(const YAML::Node& key) { return key.IsScalar() && key.Scalar() == "<<" && key.Tag() != "!"; }

// How deep a value may nest (lists in maps in lists ...). Real settings nest two or three levels; the
// bound turns an alias that refers to itself (`X: &b [1, *b]`, an endless value) into an error instead
// of unbounded recursion.
constexpr int kMaxDepth = 64;

// Walks the parsed YAML into profiles, with two guards against YAML aliases: the depth above, and a
// budget of nodes. An alias repeats its anchor without copying it, so a short file can describe an
// exponentially large value ("billion laughs": a: &a [x, x], b: &b [*a, *a], ...). Without aliases each
// node costs at least one byte of the file, so a budget of a few nodes per byte never refuses a real
// file and stops an expansion after linear work.
class Reader {
 public:
  explicit Reader(const Source& source) : source_(source), nodes_left_(4 * source.text().size() + 100000) {}

  const Source& source() const { return source_; }
  int line(const YAML::Node& node) const { return source_.original_line(node.Mark()); }

  // A map's entries in file order, with YAML merge keys (`<<: *base`) resolved: explicit keys win, then
  // merged maps in the order given. A key written twice is an error naming both lines (YAML forbids it;
  // "last wins" would drop a setting silently). `what` names the map in messages.
  std::vector<std::pair<YAML::Node, YAML::Node>> entries(const YAML::Node& map, const std::string& what,
                                                         int depth = 0) {
    enter(map, what, depth);
    std::vector<std::pair<YAML::Node, YAML::Node>> explicit_entries, merged;
    std::map<std::string, int> seen;  // key -> line
    for (auto it = map.begin(); it != map.end(); ++it) {
      charge(it->first, what);
      if (is_merge_key(it->first)) {
        std::vector<YAML::Node> sources;
        const YAML::Node merged_value = it->second;  // a copy: iterating the iterator's proxy trips GCC 12's
                                                     // dangling-pointer warning inside yaml-cpp
        if (merged_value.IsMap())
          sources.push_back(merged_value);
        else if (merged_value.IsSequence())
          for (const auto& item : merged_value)
            if (item.IsMap()) sources.push_back(item);
        for (const auto& source : sources)
          for (auto& entry : entries(source, what, depth + 1)) merged.push_back(std::move(entry));
        continue;
      }
      explicit_entries.emplace_back(it->first, it->second);
      if (!it->first.IsScalar()) continue;
      const int key_line = line(it->first);
      const auto [previous, inserted] = seen.emplace(it->first.Scalar(), key_line);
      if (!inserted)
        throw invalid_argument(where(source_.file(), key_line) + "duplicate key " + it->first.Scalar() + " " + what +
                               ": it is at line " + std::to_string(previous->second) + " and again at line " +
                               std::to_string(key_line) + " (YAML keys must be unique; remove one)");
    }
    for (auto& entry : merged) {
      if (!entry.first.IsScalar() || !seen.emplace(entry.first.Scalar(), 0).second) continue;
      explicit_entries.push_back(std::move(entry));
    }
    return explicit_entries;
  }

  // A key as text; keys must be plain names.
  std::string key_text(const YAML::Node& key, const std::string& context) const {
    if (!key.IsScalar())
      throw invalid_argument(where(source_.file(), line(key)) + "a key " + context + " is " + kind_name(key) +
                             "; keys must be plain names");
    return source_.render(key.Scalar());
  }

  // The value of `key` (at `key_line`): a scalar as rendered text, a list or map as JSON text.
  ConfigEntry value(const YAML::Node& node, const std::string& key, int key_line) {
    ConfigEntry entry;
    entry.line = key_line;
    if (node.IsScalar()) {
      entry.value = source_.render(node.Scalar(), &entry.unset_variable);
    } else {
      entry.structured = true;
      entry.value = boost::json::serialize(to_json(node, key, 1, entry.unset_variable));
    }
    if (entry.value.find('\0') != std::string::npos)
      throw invalid_argument(where(source_.file(), key_line) + "the value of " + key +
                             " contains a NUL character (\\0); no path, name or password can hold one");
    return entry;
  }

 private:
  void enter(const YAML::Node& node, const std::string& what, int depth) const {
    if (depth <= kMaxDepth) return;
    throw invalid_argument(where(source_.file(), line(node)) + "the value " + what + " nests deeper than " +
                           std::to_string(kMaxDepth) +
                           " levels (a YAML alias that refers to itself, like `&a [*a]`, never ends)");
  }

  void charge(const YAML::Node& node, const std::string& what) {
    if (nodes_left_-- > 0) return;
    throw invalid_argument(where(source_.file(), line(node)) + "the value " + what +
                           " expands to more items than the whole file could hold without aliases (YAML "
                           "aliases repeated inside each other, \"billion laughs\"); write the values out");
  }

  // A list or map value, as JSON (for the rare key whose value is not a single value).
  boost::json::value to_json(const YAML::Node& node, const std::string& key, int depth, std::string& unset) {
    const std::string what = "of " + key;
    enter(node, what, depth);
    charge(node, what);
    switch (node.Type()) {
      case YAML::NodeType::Scalar: return boost::json::value(source_.render(node.Scalar(), &unset));
      case YAML::NodeType::Sequence: {
        boost::json::array array;
        for (const auto& item : node) array.push_back(to_json(item, key, depth + 1, unset));
        return array;
      }
      case YAML::NodeType::Map: {
        boost::json::object object;
        for (const auto& [nested_key, nested_value] : entries(node, "in the value of " + key, depth)) {
          const std::string name = source_.render(nested_key.IsScalar() ? nested_key.Scalar() : YAML::Dump(nested_key));
          object[name] = to_json(nested_value, key, depth + 1, unset);
        }
        return object;
      }
      default: return nullptr;
    }
  }

  const Source& source_;
  int64_t nodes_left_;
};

Profile read_profile(const std::string& name, int line, const YAML::Node& node, Reader& reader) {
  Profile profile(reader.source().file(), name, line);
  if (node.IsNull()) return profile;
  if (!node.IsMap())
    throw invalid_argument(where(reader.source().file(), line) + "profile '" + name + "' is " + kind_name(node) +
                           ", not a map of settings (KEY: value)");
  for (const auto& [key_node, value] : reader.entries(node, "in profile '" + name + "'")) {
    const std::string key = reader.key_text(key_node, "in profile '" + name + "'");
    const int key_line = reader.line(key_node);
    if (value.IsNull()) continue;  // `KEY:` or `KEY: ~` is unset
    if (value.IsMap()) {
      const std::string section = "in section " + key + " of profile '" + name + "'";
      for (const auto& [nested_key_node, nested_value] : reader.entries(value, section, 1)) {
        const std::string nested_key = reader.key_text(nested_key_node, section);
        if (nested_value.IsNull()) continue;
        profile.set_nested(key, nested_key,
                           reader.value(nested_value, key + "." + nested_key, reader.line(nested_key_node)));
      }
      continue;
    }
    profile.set_flat(key, reader.value(value, key, key_line));
  }
  return profile;
}

}  // namespace

// -------------------------------------------------------------------------------------------------------
// IoConfig

IoConfig IoConfig::load_file(const std::filesystem::path& file) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status)) {
    const auto absolute = std::filesystem::absolute(file, ec);
    throw sdk::not_found("config file not found: " + (ec ? file : absolute).string());
  }
  if (std::filesystem::is_directory(status))
    throw invalid_argument("config file " + file.string() + " is a directory, not an io_config.yaml file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw sdk::io_error("cannot read config file " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw sdk::io_error("cannot read config file " + file.string());
  return parse(text.str(), file.string());
}

IoConfig IoConfig::parse(std::string_view text, const std::string& file_label) {
  IoConfig config;
  config.file_ = file_label;
  const Source source(text, file_label);

  YAML::Node root;
  try {
    root = YAML::Load(source.text());
  } catch (const YAML::Exception& e) {
    const auto [line, column] = source.original_position(e.mark.line, e.mark.column);
    if (const Template* block = source.block_before(source.original_offset(line, column)))
      throw invalid_argument(*block->error);
    std::string message = e.msg;
    if (line > 0)
      throw invalid_argument(file_label + ":" + std::to_string(line) + ":" + std::to_string(column) +
                             ": YAML syntax error: " + message);
    throw invalid_argument(file_label + ": YAML syntax error: " + message);
  }

  if (root.IsNull()) return config;
  if (!root.IsMap())
    throw invalid_argument(where(file_label, source.original_line(root.Mark())) + "expected a map of profiles " +
                           "(default: {KEY: value, ...}) at the top level, found " + kind_name(root));

  Reader reader(source);
  for (const auto& [key_node, value] : reader.entries(root, "at the top level (a profile written twice)")) {
    const std::string name = reader.key_text(key_node, "at the top level");
    if (name == "version") continue;
    config.profiles_[name] = read_profile(name, reader.line(key_node), value, reader);
  }
  return config;
}

std::vector<std::string> IoConfig::profile_names() const {
  std::vector<std::string> names;
  for (const auto& [name, profile] : profiles_) names.push_back(name);
  return names;
}

bool IoConfig::has_profile(const std::string& name) const { return profiles_.count(name) != 0; }

const Profile& IoConfig::profile(const std::string& name) const {
  if (auto it = profiles_.find(name); it != profiles_.end()) return it->second;
  const auto names = profile_names();
  throw sdk::not_found("profile '" + name + "' not found in " + file_ + "; " +
                       (names.empty() ? std::string("it has no profiles") : "profiles there: " + join(names)));
}

}  // namespace mageio
