// Rendering io_config.yaml's templates: `{{ env_var('NAME') }}` and `{{ env_var('NAME', 'default') }}`
// (anything else is an error naming file and line), and the placeholders that stand for them in the
// text yaml-cpp parses.
#include "io_config_templates.hpp"

#include "io_config_text.hpp"

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/values.hpp>

#include <algorithm>
#include <cstdlib>

namespace mageio::io_config_detail {

using sdk::invalid_argument;

namespace {

constexpr std::string_view kSupported = "only {{ env_var('NAME') }} and {{ env_var('NAME', 'default') }} are supported";

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

}  // namespace

Source::Source(std::string_view original, std::string file) : original_(original), file_(std::move(file)) {
  original_lines_ = line_starts(original_);
  prefix_ = "__mageio_template_";
  for (int k = 2; original_.find(prefix_) != std::string::npos; ++k)
    prefix_ = "__mageio" + std::to_string(k) + "_template_";
  scan();
  transformed_lines_ = line_starts(text_);
}

std::pair<int, int> Source::original_position(int t_line, int t_column) const {
  if (t_line < 0) return {0, 0};
  const size_t line = std::min(static_cast<size_t>(t_line), transformed_lines_.size() - 1);
  const size_t t = std::min(transformed_lines_[line] + static_cast<size_t>(std::max(t_column, 0)), text_.size());
  const size_t o = to_original(t);
  const auto it = std::upper_bound(original_lines_.begin(), original_lines_.end(), o);
  const size_t index = static_cast<size_t>(it - original_lines_.begin()) - 1;
  return {static_cast<int>(index) + 1, static_cast<int>(o - original_lines_[index]) + 1};
}

std::string Source::render(const std::string& s, std::string* unset_variable) const {
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

const Template* Source::block_before(size_t original_offset) const {
  for (const auto& t : templates_)
    if (t.block && t.begin <= original_offset) return &t;
  return nullptr;
}

size_t Source::original_offset(int line, int column) const {
  if (line <= 0) return original_.size();
  const size_t l = std::min(static_cast<size_t>(line - 1), original_lines_.size() - 1);
  return original_lines_[l] + static_cast<size_t>(std::max(column - 1, 0));
}

int Source::line_at(size_t offset) const {
  return static_cast<int>(std::upper_bound(original_lines_.begin(), original_lines_.end(), offset) -
                          original_lines_.begin());
}

size_t Source::to_original(size_t t) const {
  const auto after = std::upper_bound(replacements_.begin(), replacements_.end(), t,
                                      [](size_t offset, const Replacement& r) { return offset < r.t_begin; });
  if (after == replacements_.begin()) return t;
  const Replacement& r = *std::prev(after);
  if (t < r.t_end) return r.o_begin;
  return r.o_end + (t - r.t_end);
}

size_t Source::find_close(size_t open, std::string_view close) const {
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

void Source::scan() {
  size_t pos = 0;
  while (true) {
    size_t open = std::string::npos;
    for (size_t i = original_.find('{', pos); i != std::string::npos; i = original_.find('{', i + 1)) {
      if (i + 1 < original_.size() && (original_[i + 1] == '{' || original_[i + 1] == '%' || original_[i + 1] == '#')) {
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

void Source::render_template(Template& t) const {
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

}  // namespace mageio::io_config_detail
