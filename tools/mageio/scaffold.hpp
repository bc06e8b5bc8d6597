// The pieces of `mageio new`: naming rules, finding the source tree and the plugin template, rendering the
// template for a name, and writing the result all at once.
//
// The template (plugin-template/ in the source tree, share/mageio/plugin-template/ once installed) has:
//   common/       files every generated plugin gets
//   database/     the database flavour (--kind database): tables under a directory
//   file/         the file flavour (--kind file): paths
//   out-of-tree/  files that replace or add to those for --out-of-tree (a standalone CMake project)
// A plugin is common/ + the flavour (+ out-of-tree/), flattened into one folder. In every file name and
// every file, the identifiers io_template and file_template become the plugin's name, IoTemplate and
// FileTemplate its class name, IO_TEMPLATE and FILE_TEMPLATE its config key prefix. Lines between
// "<!-- in-tree -->" (or "<!-- out-of-tree -->") and "<!-- end -->" are kept only for that layout.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::cli::scaffold {

enum class Kind { Database, File };

const char* kind_name(Kind kind);

/// The class name for a plugin name: each word capitalised, known acronyms upper-cased
/// (my_io_class -> MyIOClass, s3_json_api -> S3JSONAPI, postgres_db -> PostgresDB).
std::string class_name_for(std::string_view name);

/// The config key prefix for a plugin name: my_io_class -> MY_IO_CLASS.
std::string config_prefix_for(std::string_view name);

/// Why `name` cannot name a plugin ("" when it can): not lower snake_case, too long, a C/C++ keyword or a
/// name C/C++ already uses, or a name mageio reserves. The text says what is allowed.
std::string name_problem(std::string_view name);

/// Why `name` cannot be the plugin's class name ("" when it can).
std::string class_name_problem(std::string_view name);

/// The plugins that ship with mageio, and the words mageio reserves: names a plugin may not have, whatever
/// --force says (sorted).
const std::vector<std::string>& bundled_names();
const std::vector<std::string>& reserved_names();

/// The nearest directory from `start` up that is a mageio source tree: it has plugin-template/ and a
/// CMakeLists.txt declaring project(mageio ...). Empty when there is none.
std::filesystem::path find_source_root(const std::filesystem::path& start);

/// Whether `dir` looks like a plugin template (common/, database/, file/ and out-of-tree/).
bool is_template_dir(const std::filesystem::path& dir);

struct Names {
  std::string name;        // my_io_class
  std::string class_name;  // MyIOClass
  std::string prefix;      // MY_IO_CLASS
};

/// `text` with the template's identifiers replaced (in one pass, so a name that contains a template
/// identifier is not replaced twice) and the layout blocks resolved.
std::string render(std::string_view text, const Names& names, bool out_of_tree);

struct OutputFile {
  std::filesystem::path relative;  // inside the plugin's folder
  std::string content;
};

/// Every file of the plugin, rendered, sorted by path. Throws Error(IO) when the template cannot be read.
std::vector<OutputFile> render_plugin(const std::filesystem::path& template_dir, Kind kind, const Names& names,
                                      bool out_of_tree);

/// Whether `path` exists and is something other than an empty directory (what writing there would lose).
bool occupied(const std::filesystem::path& path);

/// Writes `files` as the folder `destination`, all or nothing: everything goes into a temporary folder
/// next to it, which is then renamed into place. With `replace`, an existing `destination` is moved aside
/// first and removed only once the new one is in place. On any failure nothing new is left behind and an
/// existing destination is as it was. Throws Error(ALREADY_EXISTS) when the destination is occupied and
/// `replace` is false, Error(IO) for other failures.
///
/// Before the rename, the C/C++ files are formatted with clang-format when it is installed and a
/// .clang-format applies to the destination (a source tree's), so the plugin passes the tree's lint
/// whatever the length of its name; otherwise they stay as the template has them.
void write_folder(const std::filesystem::path& destination, const std::vector<OutputFile>& files, bool replace);

}  // namespace mageio::cli::scaffold
