// copy_table: copies a table from one connector to another, both opened from an io_config.yaml.
//
//   copy_table CONFIG SOURCE FROM DEST TO [PROFILE]
//
// SOURCE and DEST are plugin names (sqlite, file, postgres, ...); FROM and TO are table names, or paths for
// plugins that take paths (file). The rows stream through in batches: the table is never held in memory.
// The installed mageio finds its bundled plugins by itself; MAGEIO_PLUGIN_PATH adds more.
#include <mageio/core/connector.hpp>
#include <mageio/core/io_config.hpp>
#include <mageio/core/registry.hpp>

#include <exception>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 6 || argc > 7) {
    std::cerr << "usage: copy_table CONFIG SOURCE FROM DEST TO [PROFILE]\n";
    return 2;
  }
  try {
    mageio::Registry registry;
    const auto config = mageio::IoConfig::load_file(argv[1]);
    const auto& profile = config.profile(argc == 7 ? argv[6] : "default");
    auto source = mageio::open_connector(registry, argv[2], profile);
    auto dest = mageio::open_connector(registry, argv[4], profile);

    // A table, or a path for plugins whose targets are paths.
    mageio::LoadOptions from;
    (source->plugin().has(MAGEIO_CAP_PATHS) ? from.path : from.table) = argv[3];
    mageio::ExportOptions to{.if_exists = mageio::IfExists::Replace};
    (dest->plugin().has(MAGEIO_CAP_PATHS) ? to.path : to.table) = argv[5];

    mageio::BatchReader rows = source->load(from);
    const int64_t copied = dest->export_data(to, rows.stream());
    std::cout << "copied " << copied << " rows from " << argv[2] << " " << argv[3] << " to " << argv[4] << " "
              << argv[5] << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "copy_table: " << e.what() << "\n";
    return 1;
  }
}
