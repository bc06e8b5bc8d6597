// io_config.yaml: Mage's format, read with yaml-cpp after the `{{ ... }}` templates are swapped for
// placeholders (Mage renders the whole file with Jinja before parsing YAML, so an unquoted template is
// not valid YAML until it is rendered). Placeholders are substituted in the parsed scalars, so a value
// with YAML-special characters (`#`, `: `, quotes) arrives intact, and a template in a YAML comment is
// never rendered.
#include <mageio/core/io_config.hpp>

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/secrets.hpp>
#include <mageio/sdk/values.hpp>

#include <yaml-cpp/yaml.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

namespace mageio {
namespace {

using sdk::invalid_argument;

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// "FILE:LINE: " (or "FILE: " without a line).
std::string where(const std::string& file, int line) {
  return line > 0 ? file + ":" + std::to_string(line) + ": " : file + ": ";
}

// ---------------------------------------------------------------------------------------------------
// Templates

constexpr std::string_view kSupported = "only {{ env_var('NAME') }} and {{ env_var('NAME', 'default') }} are supported";

struct Template {
  size_t begin = 0, end = 0;         // offsets in the original text
  int line = 0;                      // 1-based line of `{{` / `{%`
  std::string text;                  // as written, braces included
  bool block = false;                // `{% ... %}`
  std::string value;                 // the rendered text
  std::optional<std::string> error;  // the complete message, thrown when the template is used
  std::string unset_variable;        // with `error`: the env_var it names is not set (and has no default)
};

// A piece of the original text that was replaced in the text given to yaml-cpp.
struct Replacement {
  size_t t_begin, t_end;  // in the transformed text
  size_t o_begin, o_end;  // in the original text
};

// A Jinja-style string literal at s[i]; advances i past it.
std::optional<std::string> string_literal(std::string_view s, size_t& i) {
  if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) return std::nullopt;
  const char quote = s[i++];
  std::string out;
  while (i < s.size() && s[i] != quote) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char next = s[i + 1];
      switch (next) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case '\\':
        case '\'':
        case '"': out += next; break;
        default:
          out += '\\';
          out += next;
          break;
      }
      i += 2;
    } else {
      out += s[i++];
    }
  }
  if (i >= s.size()) return std::nullopt;
  ++i;
  return out;
}

struct EnvVarCall {
  std::string name;
  std::optional<std::string> default_value;
};

// `env_var('NAME')` or `env_var('NAME', 'default')`, whitespace-tolerant; nullopt for anything else.
std::optional<EnvVarCall> parse_env_var(std::string_view expr) {
  expr = trim(expr);
  size_t i = 0;
  auto skip = [&] {
    while (i < expr.size() && is_space(expr[i])) ++i;
  };
  constexpr std::string_view fn = "env_var";
  if (expr.substr(0, fn.size()) != fn) return std::nullopt;
  i = fn.size();
  skip();
  if (i >= expr.size() || expr[i] != '(') return std::nullopt;
  ++i;
  skip();
  EnvVarCall call;
  auto name = string_literal(expr, i);
  if (!name || name->empty()) return std::nullopt;
  call.name = *name;
  skip();
  if (i < expr.size() && expr[i] == ',') {
    ++i;
    skip();
    auto def = string_literal(expr, i);
    if (!def) return std::nullopt;
    call.default_value = *def;
    skip();
  }
  if (i >= expr.size() || expr[i] != ')') return std::nullopt;
  ++i;
  skip();
  if (i != expr.size()) return std::nullopt;
  return call;
}

std::vector<size_t> line_starts(std::string_view text) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts.push_back(i + 1);
  return starts;
}

// The file text with templates replaced by placeholders, and the way back.
class Source {
 public:
  Source(std::string_view original, std::string file) : original_(original), file_(std::move(file)) {
    original_lines_ = line_starts(original_);
    prefix_ = "__mageio_template_";
    for (int k = 2; original_.find(prefix_) != std::string::npos; ++k)
      prefix_ = "__mageio" + std::to_string(k) + "_template_";
    scan();
    transformed_lines_ = line_starts(text_);
  }

  const std::string& text() const { return text_; }
  const std::string& file() const { return file_; }

  // 1-based line and column in the original text of a 0-based yaml-cpp position in the transformed text.
  std::pair<int, int> original_position(int t_line, int t_column) const {
    if (t_line < 0) return {0, 0};
    const size_t line = std::min(static_cast<size_t>(t_line), transformed_lines_.size() - 1);
    const size_t t = std::min(transformed_lines_[line] + static_cast<size_t>(std::max(t_column, 0)), text_.size());
    const size_t o = to_original(t);
    const auto it = std::upper_bound(original_lines_.begin(), original_lines_.end(), o);
    const size_t index = static_cast<size_t>(it - original_lines_.begin()) - 1;
    return {static_cast<int>(index) + 1, static_cast<int>(o - original_lines_[index]) + 1};
  }
  int original_line(const YAML::Mark& mark) const { return original_position(mark.line, mark.column).first; }

  // `s` with each placeholder replaced by its rendered text; throws the template's error if it has one,
  // except an unset variable when `unset_variable` is given: that is recorded there (the first one) and
  // the value is left incomplete, for the caller to refuse only if a plugin reads it.
  std::string render(const std::string& s, std::string* unset_variable = nullptr) const {
    if (templates_.empty() || s.find(prefix_) == std::string::npos) return s;
    std::string out;
    size_t pos = 0;
    while (true) {
      const size_t at = s.find(prefix_, pos);
      if (at == std::string::npos) break;
      size_t i = at + prefix_.size();
      size_t index = 0;
      bool digits = false;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        index = index * 10 + static_cast<size_t>(s[i] - '0');
        digits = true;
        ++i;
      }
      if (!digits || s.compare(i, 2, "__") != 0 || index >= templates_.size()) {
        out.append(s, pos, at + 1 - pos);
        pos = at + 1;
        continue;
      }
      const Template& t = templates_[index];
      if (t.error && !(unset_variable && !t.unset_variable.empty())) throw invalid_argument(*t.error);
      if (t.error && unset_variable->empty()) *unset_variable = t.unset_variable;
      out.append(s, pos, at - pos);
      out += t.value;
      pos = i + 2;
    }
    out.append(s, pos, std::string::npos);
    return out;
  }

  // The first `{% %}` block before an original offset: the likely cause of a YAML error there.
  const Template* block_before(size_t original_offset) const {
    for (const auto& t : templates_)
      if (t.block && t.begin <= original_offset) return &t;
    return nullptr;
  }
  size_t original_offset(int line, int column) const {
    if (line <= 0) return original_.size();
    const size_t l = std::min(static_cast<size_t>(line - 1), original_lines_.size() - 1);
    return original_lines_[l] + static_cast<size_t>(std::max(column - 1, 0));
  }

 private:
  int line_at(size_t offset) const {
    return static_cast<int>(std::upper_bound(original_lines_.begin(), original_lines_.end(), offset) -
                            original_lines_.begin());
  }

  // A binary search over the replacements (sorted by position): a linear scan made reading a file with
  // many templates quadratic (every key's line is looked up).
  size_t to_original(size_t t) const {
    const auto after = std::upper_bound(replacements_.begin(), replacements_.end(), t,
                                        [](size_t offset, const Replacement& r) { return offset < r.t_begin; });
    if (after == replacements_.begin()) return t;
    const Replacement& r = *std::prev(after);
    if (t < r.t_end) return r.o_begin;
    return r.o_end + (t - r.t_end);
  }

  // Where the template opened at `open` closes: the offset just past `close`, skipping string literals.
  size_t find_close(size_t open, std::string_view close) const {
    char quote = 0;
    for (size_t i = open + 2; close != "#}" && i < original_.size(); ++i) {
      const char c = original_[i];
      if (quote) {
        if (c == '\\')
          ++i;
        else if (c == quote)
          quote = 0;
        continue;
      }
      if (c == '\'' || c == '"')
        quote = c;
      else if (original_.compare(i, close.size(), close) == 0)
        return i + close.size();
    }
    // An unbalanced quote: take the first closing marker, if any, and let the expression be rejected.
    const size_t plain = original_.find(close, open + 2);
    return plain == std::string::npos ? std::string::npos : plain + close.size();
  }

  void scan() {
    size_t pos = 0;
    while (true) {
      size_t open = std::string::npos;
      for (size_t i = original_.find('{', pos); i != std::string::npos; i = original_.find('{', i + 1)) {
        if (i + 1 < original_.size() &&
            (original_[i + 1] == '{' || original_[i + 1] == '%' || original_[i + 1] == '#')) {
          open = i;
          break;
        }
      }
      if (open == std::string::npos) break;
      text_.append(original_, pos, open - pos);
      const char kind = original_[open + 1];
      const std::string_view close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
      const int line = line_at(open);
      const size_t end = find_close(open, close);
      if (end == std::string::npos) {
        const size_t eol = original_.find('\n', open);
        std::string_view rest =
            trim(std::string_view(original_).substr(open, eol == std::string::npos ? eol : eol - open));
        throw invalid_argument(where(file_, line) + "unterminated template " + std::string(rest) + ": no closing " +
                               std::string(close));
      }
      Replacement r{text_.size(), 0, open, end};
      if (kind == '#') {
        // A Jinja comment renders as nothing.
      } else {
        Template t;
        t.begin = open;
        t.end = end;
        t.line = line;
        t.text = original_.substr(open, end - open);
        t.block = kind == '%';
        if (!t.block) render_template(t);
        if (t.block) t.error = where(file_, line) + "unsupported template " + t.text + ": " + std::string(kSupported);
        text_ += prefix_ + std::to_string(templates_.size()) + "__";
        templates_.push_back(std::move(t));
      }
      r.t_end = text_.size();
      replacements_.push_back(r);
      pos = end;
    }
    text_.append(original_, pos, std::string::npos);
  }

  void render_template(Template& t) const {
    std::string_view inner = std::string_view(t.text).substr(2, t.text.size() - 4);
    // Whitespace control markers ({{- ... -}}) are accepted and have no effect here.
    inner = trim(inner);
    if (!inner.empty() && (inner.front() == '-' || inner.front() == '+')) inner.remove_prefix(1);
    if (!inner.empty() && (inner.back() == '-' || inner.back() == '+')) inner.remove_suffix(1);
    const auto call = parse_env_var(inner);
    if (!call) {
      t.error = where(file_, t.line) + "unsupported template " + t.text + ": " + std::string(kSupported);
      return;
    }
    if (const char* value = std::getenv(call->name.c_str())) {
      t.value = value;
    } else if (call->default_value) {
      t.value = *call->default_value;
    } else {
      t.error = where(file_, t.line) + "environment variable " + call->name + " is not set (used by " + t.text +
                "); set it or give a default: env_var('" + call->name + "', 'value')";
      t.unset_variable = call->name;
    }
  }

  std::string original_;
  std::string file_;
  std::string prefix_;
  std::string text_;
  std::vector<size_t> original_lines_, transformed_lines_;
  std::vector<Template> templates_;
  std::vector<Replacement> replacements_;
};

// ---------------------------------------------------------------------------------------------------
// YAML -> profiles

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
        if (it->second.IsMap())
          sources.push_back(it->second);
        else if (it->second.IsSequence())
          for (const auto& item : it->second)
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

// ---------------------------------------------------------------------------------------------------
// Schema helpers

size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance (a transposition counts as one edit).
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// " (did you mean X?)" when one candidate is close to `key`, ignoring case.
std::string suggestion(const std::string& key, const std::vector<std::string>& candidates) {
  const std::string k = upper(key);
  std::string best;
  size_t best_distance = 3;  // at most two edits
  for (const auto& candidate : candidates) {
    const size_t distance = edit_distance(k, upper(candidate));
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best.empty() ? std::string() : " (did you mean " + best + "?)";
}

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && upper(s.substr(0, prefix.size())) == upper(prefix);
}

// The YAML text of a value for `config show`: plain when that reads back as the same text, else quoted.
std::string yaml_scalar(const std::string& s) {
  if (s.empty()) return "''";
  bool control = false;
  for (unsigned char c : s)
    if (c < 0x20 && c != '\t') control = true;
  if (control) {
    std::string out = "\"";
    static const char* hex = "0123456789abcdef";
    for (unsigned char c : s) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        default:
          if (c < 0x20) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
    }
    return out + "\"";
  }
  constexpr std::string_view special_first = "-?:,[]{}#&*!|>'\"%@` \t";
  const bool plain = special_first.find(s.front()) == std::string_view::npos && s.back() != ' ' && s.back() != ':' &&
                     s.find(": ") == std::string::npos && s.find(" #") == std::string::npos &&
                     s.find('\t') == std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

bool flat_is_secret(const std::string& key, const std::vector<ConfigSchema>& schemas) {
  if (looks_secret(key)) return true;
  for (const auto& schema : schemas)
    for (const auto& declared : schema.keys)
      if (declared.secret && declared.name == key) return true;
  return false;
}

bool nested_is_secret(const std::string& section, const std::string& key, const std::vector<ConfigSchema>& schemas) {
  if (looks_secret(section) || looks_secret(key)) return true;
  for (const auto& schema : schemas) {
    if (schema.section != section) continue;
    for (const auto& declared : schema.keys)
      if (declared.secret && !declared.alias.empty() && declared.alias == key) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------
// Passwords inside connection strings

struct Range {
  size_t begin, end;
};

// Letters, digits, `_` and any byte of a multi-byte UTF-8 character: what a word (a name, a password's
// edge) is made of, for token boundaries.
bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || u == '_' || u >= 0x80;
}

// A keyword of a connection string whose value is a secret: password, sslpassword, AccountKey,
// SharedAccessKey, api_key ... and ODBC's PWD.
bool secret_keyword(std::string_view name) {
  const std::string word = upper(name);
  return looks_secret(name) || word == "PWD" || word == "PASS";
}

// `scheme://user:password@host...`: the password part of each URI's user info.
void uri_password_ranges(std::string_view text, std::vector<Range>& ranges) {
  for (size_t scheme_end = text.find("://"); scheme_end != std::string_view::npos;
       scheme_end = text.find("://", scheme_end + 3)) {
    const size_t start = scheme_end + 3;
    size_t end = start;
    while (end < text.size() && text[end] != '/' && text[end] != '?' && text[end] != '#' && !is_space(text[end]) &&
           text[end] != '"')
      ++end;
    const std::string_view authority = text.substr(start, end - start);
    const size_t last_at = authority.rfind('@');  // an unencoded `@` in a password belongs to the password
    if (last_at == std::string_view::npos) continue;
    const size_t colon = authority.find(':');
    if (colon == std::string_view::npos || colon > last_at || colon + 1 == last_at) continue;
    ranges.push_back({start + colon + 1, start + last_at});
  }
}

// `keyword=value` (libpq `password=x` or `password = 'a b'`, ADO `AccountKey=...;`, URI query
// `?password=x&...`): the value of each secret keyword.
void keyword_password_ranges(std::string_view text, std::vector<Range>& ranges) {
  for (size_t equals = text.find('='); equals != std::string_view::npos; equals = text.find('=', equals + 1)) {
    size_t name_end = equals;
    while (name_end > 0 && (text[name_end - 1] == ' ' || text[name_end - 1] == '\t')) --name_end;
    size_t name_begin = name_end;
    while (name_begin > 0 && (is_word_byte(text[name_begin - 1]) || text[name_begin - 1] == '-')) --name_begin;
    if (name_begin == name_end || !secret_keyword(text.substr(name_begin, name_end - name_begin))) continue;
    size_t value = equals + 1;
    while (value < text.size() && (text[value] == ' ' || text[value] == '\t')) ++value;
    size_t end = value;
    if (value < text.size() && (text[value] == '\'' || text[value] == '"')) {
      const char quote = text[value++];
      for (end = value; end < text.size() && text[end] != quote; ++end)
        if (text[end] == '\\') ++end;
      end = std::min(end, text.size());
    } else {
      while (end < text.size() && !is_space(text[end]) && text[end] != ';' && text[end] != '&' && text[end] != '"')
        ++end;
    }
    if (end > value) ranges.push_back({value, end});
    equals = std::max(equals, end == 0 ? 0 : end - 1);
  }
}

// The password parts of `text`, sorted, overlaps merged.
std::vector<Range> password_ranges(std::string_view text) {
  std::vector<Range> ranges;
  uri_password_ranges(text, ranges);
  keyword_password_ranges(text, ranges);
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  std::vector<Range> merged;
  for (const auto& range : ranges) {
    if (!merged.empty() && range.begin <= merged.back().end)
      merged.back().end = std::max(merged.back().end, range.end);
    else
      merged.push_back(range);
  }
  return merged;
}

// A list or map value (as JSON) with the values of secret keys and connection-string passwords masked;
// collects what it masked into `found` when given.
void mask_json(boost::json::value& value, std::vector<std::string>* found) {
  if (value.is_object()) {
    for (auto& [key, item] : value.get_object()) {
      if (secret_keyword(key) && !item.is_null() && !item.is_object() && !item.is_array()) {
        if (found) found->push_back(item.is_string() ? std::string(item.get_string()) : boost::json::serialize(item));
        item = "****";
      } else {
        mask_json(item, found);
      }
    }
  } else if (value.is_array()) {
    for (auto& item : value.get_array()) mask_json(item, found);
  } else if (value.is_string()) {
    const std::string text(value.get_string());
    if (found)
      for (auto& password : connection_passwords(text)) found->push_back(std::move(password));
    value = mask_connection_passwords(text);
  }
}

// The passwords inside a value (connection strings, secret keys of a nested map).
std::vector<std::string> embedded_passwords(const ConfigEntry& entry) {
  if (!entry.structured) return connection_passwords(entry.value);
  std::vector<std::string> found;
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(entry.value, ec);
  if (!ec) mask_json(doc, &found);
  return found;
}

// A value as `config show` prints it.
std::string shown_value(const ConfigEntry& entry, bool secret) {
  if (!entry.unset_variable.empty()) return "~  # unset: environment variable " + entry.unset_variable + " is not set";
  if (secret) return "'****'";
  if (!entry.structured) return yaml_scalar(mask_connection_passwords(entry.value));
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(entry.value, ec);
  if (ec) return yaml_scalar(entry.value);
  mask_json(doc, nullptr);
  return yaml_scalar(boost::json::serialize(doc));
}

}  // namespace

// -------------------------------------------------------------------------------------------------------
// ConfigSchema

ConfigSchema ConfigSchema::parse(std::string_view json) {
  const std::string what = "config_schema_json: ";
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(json, ec);
  if (ec) throw invalid_argument(what + "not valid JSON (" + ec.message() + ")");
  if (!doc.is_object()) throw invalid_argument(what + "expected a JSON object {\"section\": ..., \"keys\": [...]}");
  const auto& root = doc.get_object();

  ConfigSchema schema;
  if (const auto* section = root.if_contains("section"); section && !section->is_null()) {
    if (!section->is_string()) throw invalid_argument(what + "\"section\" must be a string");
    schema.section = std::string(section->get_string());
  }
  const auto* keys = root.if_contains("keys");
  if (!keys) throw invalid_argument(what + "has no \"keys\" array");
  if (!keys->is_array()) throw invalid_argument(what + "\"keys\" must be an array");

  std::set<std::string> names, aliases;
  size_t index = 0;
  for (const auto& item : keys->get_array()) {
    const std::string at = what + "keys[" + std::to_string(index++) + "]";
    if (!item.is_object()) throw invalid_argument(at + " must be an object");
    const auto& object = item.get_object();
    auto string_field = [&](const char* field, bool required) -> std::string {
      const auto* value = object.if_contains(field);
      if (!value || value->is_null()) {
        if (required) throw invalid_argument(at + " has no \"" + field + "\"");
        return {};
      }
      if (!value->is_string()) throw invalid_argument(at + ".\"" + field + "\" must be a string");
      return std::string(value->get_string());
    };
    auto bool_field = [&](const char* field) -> bool {
      const auto* value = object.if_contains(field);
      if (!value || value->is_null()) return false;
      if (!value->is_bool()) throw invalid_argument(at + ".\"" + field + "\" must be true or false");
      return value->get_bool();
    };

    sdk::ConfigKey key;
    key.name = string_field("name", true);
    if (key.name.empty()) throw invalid_argument(at + " has an empty \"name\"");
    const std::string named = what + "key " + key.name;
    if (!names.insert(key.name).second) throw invalid_argument(named + " is declared twice");
    key.alias = string_field("alias", false);
    if (!key.alias.empty() && !aliases.insert(key.alias).second)
      throw invalid_argument(named + ": alias \"" + key.alias + "\" is used by another key too");
    const std::string type = string_field("type", false);
    if (type.empty() || type == "string")
      key.type = sdk::ConfigType::String;
    else if (type == "integer")
      key.type = sdk::ConfigType::Integer;
    else if (type == "boolean")
      key.type = sdk::ConfigType::Boolean;
    else
      throw invalid_argument(named + ": \"type\" is \"" + type + "\"; expected \"string\", \"integer\" or \"boolean\"");
    key.required = bool_field("required");
    key.secret = bool_field("secret");
    if (const auto* def = object.if_contains("default"); def && !def->is_null()) {
      if (def->is_string())
        key.default_value = std::string(def->get_string());
      else if (def->is_int64() || def->is_uint64() || def->is_double() || def->is_bool())
        key.default_value = boost::json::serialize(*def);
      else
        throw invalid_argument(named + ": \"default\" must be a string, number or boolean");
    }
    key.description = string_field("description", false);
    schema.keys.push_back(std::move(key));
  }
  return schema;
}

std::string ConfigSchema::prefix() const {
  // The longest `_`-terminated prefix that every key shares: MY_IO_CLASS_ for MY_IO_CLASS_*, never just MY_,
  // so that plugins whose names share a first word (my_io_class, my_other) do not claim each other's keys.
  if (keys.empty()) return {};
  std::string_view common = keys.front().name;
  for (const auto& key : keys) {
    size_t n = 0;
    while (n < common.size() && n < key.name.size() && common[n] == key.name[n]) ++n;
    common = common.substr(0, n);
  }
  const auto last_underscore = common.rfind('_');
  if (last_underscore == std::string_view::npos || last_underscore == 0) return {};
  return std::string(common.substr(0, last_underscore + 1));
}

// -------------------------------------------------------------------------------------------------------
// Profile

Profile::Profile(std::string file, std::string name, int line)
    : file_(std::move(file)), name_(std::move(name)), line_(line) {}

void Profile::check_readable(const ConfigEntry& entry, const std::string& written, const sdk::ConfigKey& key,
                             const std::string& plugin_name) const {
  const std::string at = where(file_, entry.line) + "key " + written + " in profile '" + name_ + "'";
  if (!entry.unset_variable.empty())
    throw invalid_argument(at + " uses environment variable " + entry.unset_variable + ", which is not set (plugin " +
                           plugin_name + " reads this key); set it or give a default: env_var('" +
                           entry.unset_variable + "', 'value')");
  const bool secret = key.secret || looks_secret(written);
  const std::string shown = secret ? std::string("(secret, not shown)") : "'" + entry.value + "'";
  if (key.type == sdk::ConfigType::Integer && !sdk::parse_int64(entry.value))
    throw invalid_argument(at + " must be a whole number for plugin " + plugin_name + ", not " + shown);
  if (key.type == sdk::ConfigType::Boolean && !sdk::parse_bool(entry.value))
    throw invalid_argument(at + " must be true or false for plugin " + plugin_name + ", not " + shown);
}

boost::json::object Profile::config_for(const std::string& plugin_name, const ConfigSchema& schema) const {
  std::vector<std::string> names, aliases;
  for (const auto& key : schema.keys) {
    names.push_back(key.name);
    if (!key.alias.empty()) aliases.push_back(key.alias);
  }
  auto declared = [&](const std::string& name) -> const sdk::ConfigKey* {
    for (const auto& key : schema.keys)
      if (key.name == name) return &key;
    return nullptr;
  };
  auto declared_alias = [&](const std::string& alias) -> const sdk::ConfigKey* {
    if (alias.empty()) return nullptr;
    for (const auto& key : schema.keys)
      if (key.alias == alias) return &key;
    return nullptr;
  };

  // Unknown keys first, in file order: a misspelt key explains a missing one.
  struct Unknown {
    int line;
    std::string message;
  };
  std::vector<Unknown> unknown;
  const std::string prefix = schema.prefix();
  if (!prefix.empty()) {
    for (const auto& [key, entry] : flat_) {
      if (!starts_with_ignoring_case(key, prefix) || declared(key)) continue;
      unknown.push_back({entry.line, where(file_, entry.line) + "unknown key " + key + " in profile '" + name_ +
                                         "' for plugin " + plugin_name + suggestion(key, names) +
                                         "; accepted keys: " + join(names)});
    }
  }
  const std::map<std::string, ConfigEntry>* section = nullptr;
  if (!schema.section.empty()) {
    if (auto it = sections_.find(schema.section); it != sections_.end()) section = &it->second;
  }
  if (section) {
    for (const auto& [key, entry] : *section) {
      if (declared_alias(key)) continue;
      unknown.push_back(
          {entry.line, where(file_, entry.line) + "unknown key " + key + " in section " + schema.section +
                           " of profile '" + name_ + "' for plugin " + plugin_name + suggestion(key, aliases) +
                           "; accepted keys there: " + (aliases.empty() ? std::string("(none)") : join(aliases))});
    }
  }
  if (!unknown.empty()) {
    const auto first = std::min_element(unknown.begin(), unknown.end(),
                                        [](const Unknown& a, const Unknown& b) { return a.line < b.line; });
    throw invalid_argument(first->message);
  }

  boost::json::object config;
  for (const auto& key : schema.keys) {
    const ConfigEntry* entry = nullptr;
    std::string written = key.name;  // the key as the file spells it, for messages
    if (auto it = flat_.find(key.name); it != flat_.end()) {
      entry = &it->second;
    } else if (section && !key.alias.empty()) {
      if (auto nested = section->find(key.alias); nested != section->end()) {
        entry = &nested->second;
        written = schema.section + "." + key.alias;
      }
    }
    if (!entry) continue;
    check_readable(*entry, written, key, plugin_name);
    config[key.name] = entry->value;
  }

  for (const auto& key : schema.keys) {
    if (!key.required || key.default_value || config.contains(key.name)) continue;
    std::string message = where(file_, line_) + "profile '" + name_ + "' has no " + key.name;
    if (!schema.section.empty() && !key.alias.empty())
      message += " (nor " + key.alias + " in a " + schema.section + " section)";
    message += ", which plugin " + plugin_name + " requires";
    if (!key.description.empty()) message += " (" + key.name + ": " + key.description + ")";
    if (!schema.section.empty() && !section) {
      for (const auto& [name, entries] : sections_) {
        if (name != schema.section && upper(name) == upper(schema.section)) {
          message += "; section names are case-sensitive: it has " + name + ", the plugin reads " + schema.section;
          break;
        }
      }
    }
    throw invalid_argument(message);
  }
  return config;
}

std::string Profile::show(const std::vector<ConfigSchema>& schemas) const {
  // Flat keys and sections in the order of the file.
  struct Item {
    int line;
    std::string text;
  };
  std::vector<Item> items;
  for (const auto& [key, entry] : flat_)
    items.push_back({entry.line, "  " + key + ": " + shown_value(entry, flat_is_secret(key, schemas)) + "\n"});
  for (const auto& [section, section_entries] : sections_) {
    std::vector<std::pair<int, std::string>> lines;
    int first = 0;
    for (const auto& [key, entry] : section_entries) {
      lines.emplace_back(entry.line,
                         "    " + key + ": " + shown_value(entry, nested_is_secret(section, key, schemas)) + "\n");
      if (first == 0 || entry.line < first) first = entry.line;
    }
    std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string text = "  " + section + ":\n";
    for (const auto& line : lines) text += line.second;
    items.push_back({first, std::move(text)});
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.line < b.line; });
  std::string out = "profile: " + name_ + " (" + file_ + ")\n";
  for (const auto& item : items) out += item.text;
  return out;
}

std::vector<std::string> Profile::secret_values(const std::vector<ConfigSchema>& schemas) const {
  std::set<std::string> values;
  auto collect = [&](const ConfigEntry& entry, bool secret) {
    if (entry.value.empty() || !entry.unset_variable.empty()) return;
    if (secret) values.insert(entry.value);
    for (auto& password : embedded_passwords(entry)) values.insert(std::move(password));
  };
  // Whether a plugin among `schemas` reads the key (every key when there is no schema).
  auto read_flat = [&](const std::string& key) {
    if (schemas.empty()) return true;
    for (const auto& schema : schemas)
      for (const auto& declared : schema.keys)
        if (declared.name == key) return true;
    return false;
  };
  auto read_nested = [&](const std::string& section, const std::string& key) {
    if (schemas.empty()) return true;
    for (const auto& schema : schemas)
      if (schema.section == section)
        for (const auto& declared : schema.keys)
          if (!declared.alias.empty() && declared.alias == key) return true;
    return false;
  };
  for (const auto& [key, entry] : flat_)
    if (read_flat(key)) collect(entry, flat_is_secret(key, schemas));
  for (const auto& [section, section_entries] : sections_)
    for (const auto& [key, entry] : section_entries)
      if (read_nested(section, key)) collect(entry, nested_is_secret(section, key, schemas));
  return {values.begin(), values.end()};
}

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

// -------------------------------------------------------------------------------------------------------

bool looks_secret(std::string_view key) {
  // Words: split on non-alphanumerics, lower->Upper ("apiKey"), acronym ends ("APIKey") and digits.
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(upper(word));
    word.clear();
  };
  for (size_t i = 0; i < key.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    if (!std::isalnum(c)) {
      flush();
      continue;
    }
    if (!word.empty()) {
      const unsigned char prev = static_cast<unsigned char>(word.back());
      const bool next_lower = i + 1 < key.size() && std::islower(static_cast<unsigned char>(key[i + 1]));
      if ((std::islower(prev) && std::isupper(c)) || (std::isupper(prev) && std::isupper(c) && next_lower) ||
          (std::isdigit(prev) != 0) != (std::isdigit(c) != 0))
        flush();
    }
    word += static_cast<char>(c);
  }
  flush();
  static const std::set<std::string> secret_words = {"SECRET", "SECRETS", "TOKEN",  "TOKENS",   "KEY",
                                                     "KEYS",   "APIKEY",  "PASSWD", "PASSWORD", "PASSWORDS"};
  for (const auto& w : words) {
    if (secret_words.count(w) || w.find("PASSWORD") != std::string::npos || w.find("PASSWD") != std::string::npos)
      return true;
  }
  return false;
}

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets) {
  return sdk::mask_secrets(std::move(text), secrets);
}

std::string mask_connection_passwords(const std::string& text) {
  const auto ranges = password_ranges(text);
  if (ranges.empty()) return text;
  std::string out;
  size_t pos = 0;
  for (const auto& range : ranges) {
    out.append(text, pos, range.begin - pos);
    out += "****";
    pos = range.end;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

std::vector<std::string> connection_passwords(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& range : password_ranges(text)) out.push_back(text.substr(range.begin, range.end - range.begin));
  return out;
}

}  // namespace mageio
