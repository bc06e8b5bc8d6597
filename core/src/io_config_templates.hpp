// The `{{ ... }}` templates of io_config.yaml. Mage renders the whole file with Jinja before parsing the
// YAML, so an unquoted template is not valid YAML until it is rendered: Source swaps each template for a
// placeholder yaml-cpp accepts, renders the placeholders in the parsed scalars (env_var is the only
// function: io_config_templates.cpp), and maps positions in the text yaml-cpp saw back to the file's
// lines for messages.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mageio::io_config_detail {

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

// The file text with templates replaced by placeholders, and the way back.
class Source {
 public:
  Source(std::string_view original, std::string file);

  const std::string& text() const { return text_; }
  const std::string& file() const { return file_; }

  // 1-based line and column in the original text of a 0-based yaml-cpp position in the transformed text.
  std::pair<int, int> original_position(int t_line, int t_column) const;
  int original_line(const YAML::Mark& mark) const { return original_position(mark.line, mark.column).first; }

  // `s` with each placeholder replaced by its rendered text; throws the template's error if it has one,
  // except an unset variable when `unset_variable` is given: that is recorded there (the first one) and
  // the value is left incomplete, for the caller to refuse only if a plugin reads it.
  std::string render(const std::string& s, std::string* unset_variable = nullptr) const;

  // The first `{% %}` block before an original offset: the likely cause of a YAML error there.
  const Template* block_before(size_t original_offset) const;
  size_t original_offset(int line, int column) const;

 private:
  int line_at(size_t offset) const;

  // A binary search over the replacements (sorted by position): a linear scan made reading a file with
  // many templates quadratic (every key's line is looked up).
  size_t to_original(size_t t) const;

  // Where the template opened at `open` closes: the offset just past `close`, skipping string literals.
  size_t find_close(size_t open, std::string_view close) const;

  void scan();

  void render_template(Template& t) const;

  std::string original_;
  std::string file_;
  std::string prefix_;
  std::string text_;
  std::vector<size_t> original_lines_, transformed_lines_;
  std::vector<Template> templates_;
  std::vector<Replacement> replacements_;
};

}  // namespace mageio::io_config_detail
