// The "file" plugin: loads and exports CSV (and TSV) and JSON Lines files on the local file system.
//
// Targets are paths ({"path": ...}); a request naming a table or a query is INVALID_ARGUMENT. The format
// comes from options.format or the extension (see file_options.hpp for every option). Reading streams
// the file in 1 MiB chunks; types are inferred from the first infer_rows rows (csv_source.hpp,
// jsonl_reader.hpp, type_inference.hpp) and can be set per column with options.columns.
//
// Export: if_exists fail (the default; ALREADY_EXISTS when the file exists), replace, or append (CSV:
// the existing header must name the same columns in the same order, and no header is written again).
// Failures leave the destination as it was (mageio/sdk/atomic_file.hpp). Upsert is not supported.
//
// supported_types: what survives export then load with inference, in both formats: bool, int64,
// float64, utf8, date32, timestamp[us], and timestamp[us, UTC] (written with "+00:00", read back as
// zoned; not listed in the descriptor until the ABI's comma-separated supported_types can carry a name
// with a comma in it). Other types are written in their canonical
// text and come back as the type that text infers (int8 -> int64, decimal -> float64 (CSV) or utf8
// (JSON Lines), binary -> utf8 \x-hex, time -> utf8 ...) unless options.columns says otherwise. A utf8
// column whose every value looks like a number, bool, date or timestamp also comes back as that type:
// CSV carries no types.
#pragma once

#include <mageio/sdk/atomic_file.hpp>
#include "file_options.hpp"

#include <mageio/sdk/connector.hpp>

namespace mageio::file {

class FileConnector final : public sdk::Connector {
 public:
  static sdk::PluginInfo info();

  FileConnector(const sdk::Config& config, sdk::Host& host);

  std::unique_ptr<sdk::BatchSource> load(const sdk::LoadRequest& request) override;
  int64_t export_data(const sdk::ExportRequest& request, sdk::StreamReader& input) override;
  bool table_exists(const sdk::Target& target) override;
  /// Byte ranges of whole lines (file_partitions.hpp).
  std::vector<std::string> plan_partitions(const sdk::PlanRequest& request) override;
  std::unique_ptr<sdk::BatchSource> load_partition(const std::string& descriptor) override;

 private:
  /// Writes the stream through an sdk::AtomicFile of the given mode and commits it.
  int64_t write_all(const ExportSettings& s, sdk::StreamReader& input, sdk::AtomicFile::Mode mode, bool write_header);

  char delimiter_;
  sdk::Host host_;
};

}  // namespace mageio::file
