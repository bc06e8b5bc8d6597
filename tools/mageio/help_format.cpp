#include "help_format.hpp"

#include "command_line.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <sstream>
#include <vector>

namespace mageio::cli {
namespace {

constexpr size_t kNameColumn = 27;  // descriptions start here
constexpr size_t kWidth = 100;      // and are wrapped to end before this column

// "  NAME  description", the description wrapped at word boundaries and indented under itself. A name
// much too long for its column puts the description on the next line.
void write_row(std::ostream& out, const std::string& name, const std::string& description) {
  std::string line = "  " + name;
  if (line.size() + 2 <= kNameColumn) {
    line.resize(kNameColumn, ' ');
  } else if (line.size() <= kNameColumn) {
    line += "  ";  // a name just too long for the column: the description follows two spaces after it
  } else {
    out << line << '\n';
    line.assign(kNameColumn, ' ');
  }
  size_t used = line.size();
  bool first_word = true;
  std::istringstream words(description);
  for (std::string word; words >> word;) {
    if (!first_word && used + 1 + word.size() > kWidth) {
      out << line << '\n';
      line.assign(kNameColumn, ' ');
      used = kNameColumn;
      first_word = true;
    }
    if (!first_word) {
      line += ' ';
      ++used;
    }
    line += word;
    used += word.size();
    first_word = false;
  }
  out << line << '\n';
}

// "-h, --help", "--table T".
std::string option_label(const CLI::Option& option) {
  std::string label;
  for (const auto& name : option.get_snames()) label += (label.empty() ? "-" : ", -") + name;
  for (const auto& name : option.get_lnames()) label += (label.empty() ? "--" : ", --") + name;
  if (option.get_type_size() != 0) label += " " + option.get_type_name();
  return label;
}

void write_groups(std::ostream& out, const CLI::App& app) {
  std::vector<std::string> groups;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_positional()) continue;
    const std::string& group = option->get_group();
    if (group != kCommonGroup && std::find(groups.begin(), groups.end(), group) == groups.end())
      groups.push_back(group);
  }
  groups.push_back(kCommonGroup);  // last: the command's own options matter more
  for (const auto& group : groups) {
    bool header = false;
    for (const CLI::Option* option : app.get_options()) {
      if (option->get_positional() || option->get_group() != group) continue;
      if (!header) out << '\n' << group << ":\n";
      header = true;
      write_row(out, option_label(*option), option->get_description());
    }
  }
}

}  // namespace

std::string HelpFormat::make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const {
  std::ostringstream out;
  out << usage_ << '\n';
  if (!about_.empty()) out << '\n' << about_ << (about_.ends_with('\n') ? "" : "\n");

  bool header = false;
  for (const CLI::Option* option : app->get_options()) {
    if (!option->get_positional()) continue;
    if (!header) out << "\narguments:\n";
    header = true;
    write_row(out, option->get_name(), option->get_description());
  }
  const auto commands = app->get_subcommands([](const CLI::App*) { return true; });
  if (!commands.empty()) {
    out << "\ncommands:\n";
    size_t width = 0;
    for (const CLI::App* command : commands) width = std::max(width, command->get_name().size());
    for (const CLI::App* command : commands) {
      std::string name = command->get_name();
      name.resize(width + 2, ' ');
      out << "  " << name << command->get_description() << '\n';
    }
  }
  write_groups(out, *app);
  if (const std::string footer = app->get_footer(); !footer.empty())
    out << '\n' << footer << (footer.ends_with('\n') ? "" : "\n");
  return out.str();
}

}  // namespace mageio::cli
