// mageio new NAME [--kind database|file] [--class-name NAME] [--dir DIR | --out-of-tree DIR]
//                 [--template DIR] [--force] [--dry-run]
//
// Generates a plugin from the plugin template (scaffold.hpp says how): a complete, working connector the
// author then changes, with its CMake target, its conformance test and a README.
#include "cli_context.hpp"
#include "commands.hpp"
#include "scaffold.hpp"
#include "value_checks.hpp"

#include <mageio/sdk/error.hpp>

#include <filesystem>
#include <iostream>
#include <optional>

namespace fs = std::filesystem;

namespace mageio::cli {
namespace {

// `path` as the user would type it: relative to the current directory when inside it.
std::string shown(const fs::path& path) {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (!ec) {
    const fs::path relative = path.lexically_normal().lexically_relative(cwd);
    if (!relative.empty() && *relative.begin() != "..") return relative.string();
  }
  return path.lexically_normal().string();
}

fs::path executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

// The plugin template: --template, else the source tree's, else the installed one, else the one of the
// tree this program was built from.
fs::path find_template(const std::optional<std::string>& option, const fs::path& source_root) {
  std::vector<fs::path> candidates;
  if (option) {
    if (!scaffold::is_template_dir(*option))
      throw sdk::not_found("--template " + *option +
                           " is not a plugin template (it needs common/, database/, file/ and "
                           "out-of-tree/)");
    return fs::absolute(*option);
  }
  if (!source_root.empty()) candidates.push_back(source_root / "plugin-template");
  if (const fs::path dir = executable_dir(); !dir.empty())
    candidates.push_back(dir.parent_path() / "share" / "mageio" / "plugin-template");
#ifdef MAGEIO_TEMPLATE_SOURCE_DIR
  candidates.push_back(MAGEIO_TEMPLATE_SOURCE_DIR);
#endif
  std::string looked;
  for (const auto& candidate : candidates) {
    if (scaffold::is_template_dir(candidate)) return candidate;
    looked += (looked.empty() ? "" : ", ") + candidate.string();
  }
  throw sdk::not_found("cannot find the plugin template (looked in: " + (looked.empty() ? "nowhere" : looked) +
                       "); pass --template DIR");
}

// Where an installed mageio lives, for the out-of-tree instructions: this program's prefix when it is
// installed next to its CMake package.
std::string install_prefix_hint() {
  const fs::path dir = executable_dir();
  std::error_code ec;
  if (!dir.empty() && fs::exists(dir.parent_path() / "lib" / "cmake" / "mageio" / "mageioConfig.cmake", ec))
    return dir.parent_path().string();
  return "<the prefix mageio is installed in>";
}

void print_next_steps(const fs::path& destination, const scaffold::Names& names, bool out_of_tree, bool in_tree) {
  const std::string folder = shown(destination);
  const std::string source = folder + "/" + names.name + ".cpp";
  std::cout << "\nnext steps:\n";
  if (out_of_tree) {
    std::cout << "  cmake -S " << folder << " -B " << folder << "/build -DCMAKE_PREFIX_PATH=" << install_prefix_hint()
              << "\n  cmake --build " << folder << "/build\n"
              << "  ctest --test-dir " << folder << "/build            # mageio test-plugin " << names.name << "\n"
              << "  mageio plugins --plugin-dir " << folder << "/build/plugins\n";
  } else {
    if (!in_tree) std::cout << "  (move " << folder << " into plugins/ of a mageio source tree to build it there)\n";
    std::cout << "  ninja -C build                    # builds it: CMake picks up the new folder by itself\n"
              << "  build/bin/mageio plugins          # lists " << names.name << "\n"
              << "  ctest --test-dir build -R conformance/" << names.name << "   # mageio test-plugin " << names.name
              << "\n";
  }
  std::cout << "  then make it yours: edit " << source << "; " << folder
            << "/README.md says what each method must do\n";
}

}  // namespace

CLI::App* declare_new(CLI::App& mageio) {
  CLI::App* command = add_command(
      mageio, "new", "create a new plugin (IO class) from the template, ready to build and test",
      "usage: mageio new NAME [--kind database|file] [--class-name CLASS]\n"
      "                  [--dir DIR | --out-of-tree DIR] [--force] [--dry-run]",
      "Creates a new plugin (a Mage-style IO class) from the plugin template: a small, complete connector that\n"
      "builds, loads and passes `mageio test-plugin` as generated, for you to turn into yours. Run inside a\n"
      "mageio source tree, it writes plugins/NAME/, which the next build picks up with no other edit.\n"
      "\n"
      "NAME is lower snake_case (my_io_class). The class is derived from it (MyIOClass: known acronyms such\n"
      "as io, sql, db, csv, json, api and s3 in capitals) and its io_config.yaml keys start with the name in\n"
      "capitals (MY_IO_CLASS_DIRECTORY).",
      "Nothing is overwritten without --force, and if writing fails part-way nothing is left behind.\n"
      "Exit status: 0 done, 1 runtime error (e.g. the folder exists), 2 usage error (e.g. a name not allowed).\n"
      "\n"
      "examples:\n"
      "  mageio new my_io_class\n"
      "  mageio new s3_json_api --kind file\n"
      "  mageio new acme_db --out-of-tree ~/src/acme-mageio-plugin");
  add_argument(*command, "NAME", "the new plugin's name in lower snake_case (e.g. mageio new my_io_class)");
  add_value(*command, "--kind", "KIND",
            "database (default): tables in a directory, with load, export, table_exists and alter_table; file: "
            "files by path, with load, export and table_exists");
  add_value(*command, "--class-name", "CLASS", "the C++ class name instead of the derived one");
  add_value(*command, "--dir", "DIR", "write DIR/NAME/ instead of plugins/NAME/ of the source tree");
  add_value(*command, "--out-of-tree", "DIR",
            "write DIR/ as a standalone CMake project for a plugin built outside the mageio tree, against an "
            "installed mageio (find_package(mageio))");
  add_value(*command, "--template", "DIR",
            "the plugin template to use (default: plugin-template/ of the source tree, or the one installed with "
            "mageio)");
  add_flag(*command, "--force", "replace what is already there (never the name of a bundled plugin)");
  add_flag(*command, "--dry-run", "list the files it would write, and write nothing");
  return command;
}

int run_new(const ParsedArgs& parsed) {
  const std::string& command = parsed.command();
  const std::string name = *parsed.get("NAME");
  const bool force = parsed.has("--force");
  const bool dry_run = parsed.has("--dry-run");

  const std::string kind_text = parsed.get_or("--kind", "database");
  check_choice(command, "--kind", kind_text, {"database", "file"});
  const scaffold::Kind kind = kind_text == "file" ? scaffold::Kind::File : scaffold::Kind::Database;
  const std::string layout = exactly_one_of(parsed, {"--dir", "--out-of-tree"}, false);
  for (const char* option : {"--dir", "--out-of-tree", "--template", "--class-name"})
    if (parsed.has(option) && parsed.get(option)->empty())
      throw UsageError(command, std::string(option) + " needs a value");

  if (std::string problem = scaffold::name_problem(name); !problem.empty())
    throw UsageError(command, "invalid plugin name '" + name + "': " + problem);
  scaffold::Names names{name, scaffold::class_name_for(name), scaffold::config_prefix_for(name)};
  if (auto class_name = parsed.get("--class-name")) {
    if (std::string problem = scaffold::class_name_problem(*class_name); !problem.empty())
      throw UsageError(command, "invalid class name '" + *class_name + "': " + problem);
    names.class_name = *class_name;
  }

  // Where it goes.
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  const fs::path root = ec ? fs::path() : scaffold::find_source_root(cwd);
  const bool out_of_tree = layout == "--out-of-tree";
  fs::path destination;
  if (layout.empty()) {
    if (root.empty())
      throw UsageError(command, "not inside a mageio source tree (no directory from " + cwd.string() +
                                    " up has plugin-template/ and a CMakeLists.txt with project(mageio)); run it "
                                    "in a mageio checkout, or pass --dir DIR or --out-of-tree DIR");
    destination = root / "plugins" / name;
  } else if (layout == "--dir") {
    const fs::path dir = fs::absolute(*parsed.get("--dir")).lexically_normal();
    if (!fs::is_directory(dir, ec)) throw sdk::not_found("--dir " + *parsed.get("--dir") + ": no such directory");
    destination = dir / name;
  } else {
    destination = fs::absolute(*parsed.get("--out-of-tree")).lexically_normal();
    if (destination.filename().empty()) destination = destination.parent_path();  // a trailing slash
    if (!fs::is_directory(destination.parent_path(), ec))
      throw sdk::not_found("--out-of-tree " + *parsed.get("--out-of-tree") + ": the directory " +
                           destination.parent_path().string() + " does not exist");
  }

  // A plugin of that name must not exist already: a folder in this tree, or one the registry finds.
  CliContext context(CommonOptions::from(parsed));
  if (!force) {
    if (!root.empty() && fs::exists(fs::symlink_status(root / "plugins" / name, ec)))
      throw UsageError(command, "invalid plugin name '" + name + "': a plugin named '" + name +
                                    "' already exists in this tree: " + shown(root / "plugins" / name) +
                                    " (pass --force to replace it)");
    for (const auto& plugin : context.registry().plugins())
      if (plugin->name() == name)
        throw UsageError(command, "invalid plugin name '" + name + "': a plugin named '" + name + "' already exists (" +
                                      plugin->path().string() + "); choose another name, or pass --force");
  }

  const fs::path template_dir = find_template(parsed.get("--template"), root);
  const auto files = scaffold::render_plugin(template_dir, kind, names, out_of_tree);
  if (scaffold::occupied(destination) && !force)
    throw sdk::already_exists(shown(destination) + " already exists; pass --force to replace it");

  const std::string what = "plugin " + name + " (class " + names.class_name + ", kind " + scaffold::kind_name(kind) +
                           (out_of_tree ? ", out of tree" : "") + ")";
  if (dry_run) {
    std::cout << "would write " << what << ", " << files.size() << " files"
              << (scaffold::occupied(destination) ? ", replacing " + shown(destination) : std::string()) << ":\n";
    for (const auto& file : files) std::cout << "  " << shown(destination / file.relative) << '\n';
    return 0;
  }
  scaffold::write_folder(destination, files, force);
  std::cout << "created " << what << " in " << shown(destination) << ":\n";
  for (const auto& file : files) std::cout << "  " << shown(destination / file.relative) << '\n';
  const bool in_tree = !root.empty() && destination.parent_path() == root / "plugins";
  print_next_steps(destination, names, out_of_tree, in_tree || (layout.empty()));
  return 0;
}

}  // namespace mageio::cli
