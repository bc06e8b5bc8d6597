#include "scaffold.hpp"

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/random_suffix.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

extern char** environ;

namespace fs = std::filesystem;

namespace mageio::cli::scaffold {
namespace {

constexpr size_t kMaxNameLength = 64;  // the ABI's limit for a plugin name

// Words written in capitals inside a class name (my_io_class -> MyIOClass).
const std::set<std::string, std::less<>> kAcronyms = {
    "api",  "aws", "csv",  "db",  "ftp", "gcs", "http", "https", "id",  "io",  "jdbc", "json",
    "odbc", "s3",  "sftp", "sql", "ssh", "tcp", "tsv",  "udp",   "uri", "url", "xml",  "yaml",
};

// C++20 keywords and alternative tokens, C keywords, and names C and C++ already use (namespaces and
// macros): the plugin name is also its C++ namespace.
const std::set<std::string, std::less<>> kLanguageNames = {
    "alignas",    "alignof",       "and",          "and_eq",    "asm",          "assert",
    "auto",       "bitand",        "bitor",        "bool",      "break",        "case",
    "catch",      "char",          "char16_t",     "char32_t",  "char8_t",      "class",
    "co_await",   "co_return",     "co_yield",     "compl",     "concept",      "const",
    "const_cast", "consteval",     "constexpr",    "constinit", "continue",     "decltype",
    "default",    "delete",        "do",           "double",    "dynamic_cast", "else",
    "enum",       "errno",         "explicit",     "export",    "extern",       "false",
    "final",      "float",         "for",          "friend",    "goto",         "if",
    "import",     "inline",        "int",          "linux",     "long",         "main",
    "module",     "mutable",       "namespace",    "new",       "noexcept",     "not",
    "not_eq",     "nullptr",       "operator",     "or",        "or_eq",        "override",
    "posix",      "private",       "protected",    "public",    "register",     "reinterpret_cast",
    "requires",   "restrict",      "return",       "short",     "signed",       "sizeof",
    "static",     "static_assert", "static_cast",  "std",       "struct",       "switch",
    "template",   "this",          "thread_local", "throw",     "true",         "try",
    "typedef",    "typeid",        "typename",     "union",     "unix",         "unsigned",
    "using",      "virtual",       "void",         "volatile",  "wchar_t",      "while",
    "xor",        "xor_eq",
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

[[noreturn]] void io_failure(const std::string& what, const std::error_code& ec) {
  throw sdk::io_error(what + ": " + ec.message());
}

// A fresh name next to `target` (".<name>.mageio-<tag>-<random>") that does not exist yet.
fs::path sibling_name(const fs::path& target, const std::string& tag) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path candidate =
        target.parent_path() / ("." + target.filename().string() + ".mageio-" + tag + "-" + sdk::random_suffix(8));
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(candidate, ec))) return candidate;
  }
  throw sdk::io_error("cannot find a free temporary name next to " + target.string());
}

// Runs a program found on PATH with its output discarded; false when it cannot be run or fails.
bool run_quietly(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return false;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Formats the C/C++ files of a folder with the .clang-format that applies there, if any (best effort:
// without clang-format or a .clang-format they stay as they are).
void format_sources(const fs::path& folder, const std::vector<OutputFile>& files) {
  std::vector<std::string> argv{"clang-format", "-i", "--style=file", "--fallback-style=none"};
  for (const auto& file : files) {
    const std::string extension = file.relative.extension().string();
    if (extension == ".cpp" || extension == ".hpp" || extension == ".h" || extension == ".c")
      argv.push_back((folder / file.relative).string());
  }
  if (argv.size() > 4) run_quietly(argv);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sdk::io_error("cannot read the template file " + path.string() + ": " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw sdk::io_error("cannot read the template file " + path.string());
  return content.str();
}

void write_text(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw sdk::io_error("cannot write " + path.string() + ": " + std::strerror(errno));
  out << content;
  out.flush();
  if (!out) throw sdk::io_error("cannot write " + path.string() + ": " + std::strerror(errno));
}

// Adds every regular file under `dir` (recursively) to `files`, keyed by its path inside `dir`: a later
// directory's file replaces an earlier one's of the same name.
void collect(const fs::path& dir, std::map<fs::path, fs::path>& files) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) io_failure("cannot read the template folder " + dir.string(), ec);
  for (; it != end; it.increment(ec)) {
    if (ec) io_failure("cannot read the template folder " + dir.string(), ec);
    if (it->is_regular_file(ec)) files[fs::relative(it->path(), dir)] = it->path();
  }
  if (ec) io_failure("cannot read the template folder " + dir.string(), ec);
}

}  // namespace

const char* kind_name(Kind kind) { return kind == Kind::File ? "file" : "database"; }

std::string class_name_for(std::string_view name) {
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('_', start);
    if (end == std::string_view::npos) end = name.size();
    std::string word(name.substr(start, end - start));
    if (kAcronyms.count(word) != 0) {
      for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
    }
    out += word;
    start = end + 1;
  }
  return out;
}

std::string config_prefix_for(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const std::vector<std::string>& bundled_names() {
  // The plugins this repository ships under plugins/ (not every plugins/*/ of a checkout: a contributor's own
  // plugin generated there must stay regenerable with --force). Add a new bundled plugin here.
  static const std::vector<std::string> names = {"adbc", "file", "mysql", "parquet", "postgres", "sqlite"};
  return names;
}

const std::vector<std::string>& reserved_names() {
  // The project's own words and the template's plugin names ("template" itself is a C++ keyword).
  static const std::vector<std::string> names = {
      "all",    "build", "bundled", "cli",     "conformance", "core", "examples", "file_template", "io_template",
      "mageio", "none",  "plugin",  "plugins", "sdk",         "test", "tests",    "tools",
  };
  return names;
}

std::string name_problem(std::string_view name) {
  static const std::regex snake_case("[a-z][a-z0-9]*(_[a-z0-9]+)*");
  const std::string text(name);
  if (!std::regex_match(text, snake_case))
    return "a plugin name is lower snake_case: a lowercase letter, then lowercase letters and digits, with single "
           "underscores between words (e.g. my_io_class)";
  if (text.size() > kMaxNameLength)
    return "a plugin name has at most " + std::to_string(kMaxNameLength) + " characters (this one has " +
           std::to_string(text.size()) + ")";
  if (kLanguageNames.count(text) != 0)
    return "it is a C/C++ keyword or a name C/C++ already uses, and the plugin name is also its C++ namespace; "
           "choose another (e.g. " +
           text + "_io)";
  const auto& bundled = bundled_names();
  if (std::find(bundled.begin(), bundled.end(), text) != bundled.end())
    return "a plugin that ships with mageio has that name (" + join(bundled) + "); choose another name";
  const auto& reserved = reserved_names();
  if (std::find(reserved.begin(), reserved.end(), text) != reserved.end())
    return "it is reserved by mageio (" + join(reserved) + "); choose another name";
  return {};
}

std::string class_name_problem(std::string_view name) {
  static const std::regex identifier("[A-Za-z][A-Za-z0-9_]*");
  const std::string text(name);
  if (!std::regex_match(text, identifier) || text.find("__") != std::string::npos)
    return "a class name is a C++ identifier: a letter, then letters, digits and underscores, with no double "
           "underscore (e.g. MyIOClass)";
  if (kLanguageNames.count(text) != 0) return "it is a C/C++ keyword or a name C/C++ already uses";
  return {};
}

fs::path find_source_root(const fs::path& start) {
  static const std::regex project_line(R"(project\s*\(\s*mageio[\s)])", std::regex::icase);
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  if (ec) return {};
  dir = dir.lexically_normal();
  while (true) {
    if (fs::is_directory(dir / "plugin-template", ec) && fs::is_regular_file(dir / "CMakeLists.txt", ec)) {
      std::ifstream in(dir / "CMakeLists.txt");
      std::string line;
      while (std::getline(in, line))
        if (std::regex_search(line, project_line)) return dir;
    }
    if (!dir.has_parent_path() || dir.parent_path() == dir) return {};
    dir = dir.parent_path();
  }
}

bool is_template_dir(const fs::path& dir) {
  std::error_code ec;
  for (const char* part : {"common", "database", "file", "out-of-tree"})
    if (!fs::is_directory(dir / part, ec)) return false;
  return true;
}

std::string render(std::string_view text, const Names& names, bool out_of_tree) {
  const std::array<std::pair<std::string_view, const std::string*>, 6> tokens = {{
      {"IO_TEMPLATE", &names.prefix},
      {"FILE_TEMPLATE", &names.prefix},
      {"IoTemplate", &names.class_name},
      {"FileTemplate", &names.class_name},
      {"io_template", &names.name},
      {"file_template", &names.name},
  }};
  std::string replaced;
  replaced.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    bool matched = false;
    for (const auto& [token, value] : tokens) {
      if (text.compare(i, token.size(), token) == 0) {
        replaced += *value;
        i += token.size();
        matched = true;
        break;
      }
    }
    if (!matched) replaced += text[i++];
  }

  // Layout blocks: keep the lines of the block for this layout, drop the other's, drop the markers.
  std::string out;
  std::istringstream lines(replaced);
  std::string line;
  enum class Block { None, Keep, Drop } block = Block::None;
  while (std::getline(lines, line)) {
    if (line == "<!-- in-tree -->" || line == "<!-- out-of-tree -->") {
      block = (line == "<!-- out-of-tree -->") == out_of_tree ? Block::Keep : Block::Drop;
      continue;
    }
    if (line == "<!-- end -->" && block != Block::None) {
      block = Block::None;
      continue;
    }
    if (block == Block::Drop) continue;
    out += line;
    if (!lines.eof()) out += '\n';
  }
  return out;
}

std::vector<OutputFile> render_plugin(const fs::path& template_dir, Kind kind, const Names& names, bool out_of_tree) {
  std::map<fs::path, fs::path> sources;
  collect(template_dir / "common", sources);
  collect(template_dir / kind_name(kind), sources);
  if (out_of_tree) collect(template_dir / "out-of-tree", sources);
  std::vector<OutputFile> files;
  std::set<fs::path> seen;
  for (const auto& [relative, source] : sources) {
    OutputFile file{fs::path(render(relative.string(), names, out_of_tree)),
                    render(read_text(source), names, out_of_tree)};
    if (!seen.insert(file.relative).second)
      throw sdk::io_error("the template gives two files the same name: " + file.relative.string());
    files.push_back(std::move(file));
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.relative < b.relative; });
  return files;
}

bool occupied(const fs::path& path) {
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  if (ec || !fs::exists(status)) return false;
  if (!fs::is_directory(status)) return true;
  return !fs::is_empty(path, ec);
}

void write_folder(const fs::path& destination, const std::vector<OutputFile>& files, bool replace) {
  if (occupied(destination) && !replace)
    throw sdk::already_exists(destination.string() + " already exists; pass --force to replace it");
  const fs::path temp = sibling_name(destination, "new");
  std::error_code ec;
  if (!fs::create_directory(temp, ec)) io_failure("cannot create " + temp.string(), ec);
  try {
    // The folder gets the usual permissions (the umask applied), like one made with mkdir.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(temp.c_str(), 0777 & ~mask);
    for (const auto& file : files) {
      const fs::path path = temp / file.relative;
      fs::create_directories(path.parent_path(), ec);
      if (ec) io_failure("cannot create " + path.parent_path().string(), ec);
      write_text(path, file.content);
    }
    format_sources(temp, files);
    if (!occupied(destination)) {
      // rename() replaces an empty directory and fails if something appeared there meanwhile.
      fs::rename(temp, destination, ec);
      if (ec) io_failure("cannot move the new files into " + destination.string(), ec);
      return;
    }
    const fs::path old = sibling_name(destination, "old");
    fs::rename(destination, old, ec);
    if (ec) io_failure("cannot move " + destination.string() + " aside to replace it", ec);
    fs::rename(temp, destination, ec);
    if (ec) {
      std::error_code restore;
      fs::rename(old, destination, restore);
      io_failure("cannot move the new files into " + destination.string(), ec);
    }
    fs::remove_all(old, ec);
    if (ec)
      throw sdk::io_error("generated " + destination.string() + " but could not remove the previous version, " +
                          old.string() + ": " + ec.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(temp, ignored);
    throw;
  }
}

}  // namespace mageio::cli::scaffold
