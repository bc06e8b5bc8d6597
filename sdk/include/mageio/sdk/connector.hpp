// The class a plugin author writes. Derive from Connector, override what your IO class does, describe
// it with a static info(), and export it with MAGEIO_PLUGIN (plugin.hpp):
//
//   class MyIOClass : public mageio::sdk::Connector {
//    public:
//     static mageio::sdk::PluginInfo info();
//     MyIOClass(const mageio::sdk::Config& config, mageio::sdk::Host& host);   // with_config
//     std::unique_ptr<mageio::sdk::BatchSource> load(const mageio::sdk::LoadRequest&) override;
//     int64_t export_data(const mageio::sdk::ExportRequest&, mageio::sdk::StreamReader&) override;
//   };
//   MAGEIO_PLUGIN(MyIOClass)
//
// Every method may throw; the SDK turns mageio::sdk::Error into its status and anything else into
// MAGEIO_STATUS_INTERNAL. One instance is used by one thread at a time.
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/config.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/partitions.hpp>
#include <mageio/sdk/requests.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mageio::sdk {

namespace detail {
class ProgressMeter;
}

/// What describes a plugin; becomes its MageioPluginDescriptor.
struct PluginInfo {
  std::string name;         // [a-z][a-z0-9_]*
  std::string version;      // e.g. "0.1.0"
  std::string description;  // one line
  uint64_t capabilities = 0;
  std::string config_section;  // Mage's nested io_config.yaml section, e.g. "PostgreSQL"; "" if none
  std::vector<ConfigKey> config_keys;
  std::vector<std::string> supported_types;  // logical type names (types.hpp) that round-trip
};

/// The host's services, safe to use when the host passed none.
class Host {
 public:
  explicit Host(const MageioHostServices* services = nullptr);

  void log(int32_t level, const std::string& message) const;
  void debug(const std::string& message) const { log(MAGEIO_LOG_DEBUG, message); }
  void info(const std::string& message) const { log(MAGEIO_LOG_INFO, message); }
  void warning(const std::string& message) const { log(MAGEIO_LOG_WARNING, message); }
  /// Cumulative rows and bytes of the running operation; total_rows -1 when unknown. Optional: the SDK
  /// already reports rows and Arrow buffer bytes after every batch of a load or export (see
  /// sdk/src/progress_meter.hpp), and stops for the rest of an operation once the plugin reports for
  /// itself (with source-side bytes, say, or a total). A load source can give its total with
  /// BatchSource::total_rows instead.
  void progress(int64_t rows, int64_t bytes, int64_t total_rows = -1) const;
  bool cancelled() const;
  /// Throws Error(CANCELLED) when the host asked to stop. Call once per batch.
  void check_cancelled() const;

 private:
  friend class detail::ProgressMeter;

  MageioHostServices services_{};
  // Whether the plugin called progress() during the running operation. Shared by every copy of this
  // Host (plugins keep copies), so the SDK's meter sees it and stays quiet.
  std::shared_ptr<std::atomic<bool>> plugin_reported_ = std::make_shared<std::atomic<bool>>(false);
};

struct ExecuteResult {
  int64_t rows_affected = -1;
  std::unique_ptr<BatchSource> rows;  // null when the statement returns no rows
};

class Connector {
 public:
  virtual ~Connector() = default;

  /// What this instance can do (ABI 1.1, MageioInstanceCapabilitiesFn): a subset of `declared`, the
  /// capabilities of PluginInfo. Called once, right after the constructor; the answer holds for the
  /// instance's life. The default, `declared`, says every instance does all its plugin declares.
  /// Override it when that depends on the configuration (the adbc bridge asks its driver): the host,
  /// and the SDK for a 1.0 host that never asks, then refuse every other operation with NOT_IMPLEMENTED
  /// before it reaches this class. A bit outside `declared` fails the open (MAGEIO_STATUS_INTERNAL).
  virtual uint64_t instance_capabilities(uint64_t declared) const;

  virtual std::unique_ptr<BatchSource> load(const LoadRequest& request);
  /// Reads `input` to the end. On any failure the destination must be left as it was.
  virtual int64_t export_data(const ExportRequest& request, StreamReader& input);
  virtual ExecuteResult execute(const std::string& sql);
  /// All or nothing where the backend has transactions. Returns the sum of rows affected.
  virtual int64_t execute_queries(const std::vector<std::string>& queries);
  virtual void alter_table(const AlterTableRequest& request);
  virtual bool table_exists(const Target& target);

  /// MAGEIO_CAP_PARTITIONS (ABI 1.1): splits a load into at most request.partitions descriptors (see
  /// PartitionDescriptor; never a secret in them). A load that cannot be split is one descriptor (say
  /// why with Host::warning). State the partitions need (an exported snapshot) may stay open in this
  /// instance until its next plan or load, or its destruction.
  virtual std::vector<std::string> plan_partitions(const PlanRequest& request);
  /// Loads one descriptor of a plan made by this plugin on any instance with the same configuration.
  virtual std::unique_ptr<BatchSource> load_partition(const std::string& descriptor);

  /// MAGEIO_CAP_STAGED_EXPORT (ABI 1.1): prepares a stage for an export that several writers fill (see
  /// "Staged exports" in mageio_abi.h) and returns its descriptor (never a secret in it). `schema` is
  /// the schema of every stream stage_write will get. Refuse what can be refused before any row.
  /// With request.one_writer_possible, refuse with not_implemented a stage slower than one export.
  virtual std::string stage_begin(const StageRequest& request, const Schema& schema);
  /// Adds every row of `input` to the stage, all or nothing; returns the rows added. Runs on any
  /// instance with the same configuration, at the same time as other writers.
  virtual int64_t stage_write(const std::string& stage, StreamReader& input);
  /// commit: puts the staged rows in place as the begin request says (atomically), checking that the
  /// stage holds expected_rows when that is not -1; otherwise discards them. Removes the stage either
  /// way, also when it fails. Returns the rows put in place.
  virtual int64_t stage_finish(const std::string& stage, bool commit, int64_t expected_rows);
};

}  // namespace mageio::sdk
