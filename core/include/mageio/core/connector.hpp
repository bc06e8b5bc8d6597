// The host-side C++ API for one open plugin instance. A Connector is used by one thread at a time.
//
//   mageio::Registry registry;
//   auto config = mageio::IoConfig::load_file("io_config.yaml");
//   auto db = mageio::open_connector(registry, "sqlite", config.profile("default"));
//   auto reader = db->load({.query = "select * from t"});
//   mageio::sdk::OwnedArray batch;
//   while (reader.next(batch)) { ... }
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/core/registry.hpp>
#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/partitions.hpp>
#include <mageio/sdk/requests.hpp>

#include <boost/json/object.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mageio {

using Error = sdk::Error;
// The enumerated request values, shared with plugins (sdk/requests.hpp writes and reads them).
using sdk::AlterAction;
using sdk::ConflictMethod;
using sdk::IfExists;

/// `message` without a leading "<plugin>: ", for hosts that put the plugin's name in front themselves:
/// plugins often name themselves ("sqlite: no such table") and the name should not appear twice.
std::string without_plugin_prefix(std::string message, const std::string& plugin);

/// What the host offers plugins (logging, progress, cancellation). Shared by a connector and every
/// stream it produced; callbacks may be called from any thread.
struct HostCallbacks {
  std::function<void(int32_t level, const std::string& message)> on_log;
  std::function<void(int64_t rows, int64_t bytes, int64_t total_rows)> on_progress;
  std::atomic<bool> cancel_requested{false};
};

// The option structs below are the host's flat spelling of the SDK's request types (sdk::LoadRequest
// ...): connector.cpp turns each into its request and sdk::to_json writes the JSON, so the wire format
// is written in one place.

/// Where to read from: exactly one of query, table, path.
struct LoadOptions {
  std::string query;
  std::string table;
  std::string schema;
  std::string path;
  std::optional<int64_t> limit;
  std::optional<int64_t> batch_rows;
  boost::json::object options;  // plugin-specific
};

/// A load to split into partitions (ABI 1.1, MAGEIO_CAP_PARTITIONS).
struct PartitionOptions {
  LoadOptions load;
  int64_t partitions = 1;    // at least 1; the plugin may plan fewer
  std::string partition_on;  // empty: the plugin chooses (rowid, ctid pages, a primary key) or plans one
  std::optional<sdk::PartitionBound> lower_bound;  // with partition_on
  std::optional<sdk::PartitionBound> upper_bound;  // with partition_on
};

/// Where and how to write: exactly one of table, path.
struct ExportOptions {
  std::string table;
  std::string schema;
  std::string path;
  IfExists if_exists = IfExists::Fail;
  std::vector<std::string> unique_constraints;                     // empty: no upsert
  ConflictMethod unique_conflict_method = ConflictMethod::Update;  // with unique_constraints
  boost::json::object options;                                     // plugin-specific
};

struct AlterTableOptions {
  std::string table;
  std::string schema;
  AlterAction action = AlterAction::AddColumn;
  std::string column;
  std::string new_name;  // RenameColumn
  std::string type;      // a logical type name (AddColumn, AlterColumnType), checked before the call
};

/// Batches of an Arrow stream a plugin produced. Keeps the plugin's library and instance alive while it
/// lives. Moving it out with release_stream() hands the raw stream (and the duty to release it) over.
class BatchReader {
 public:
  /// `label` names the producer in error messages, e.g. "postgres load". `error_lookup` gives the
  /// producer's whole error (status, SQLSTATE, vendor code) when the stream fails (ABI 1.1).
  BatchReader(ArrowArrayStream stream, std::shared_ptr<void> keep_alive, std::string label = "stream",
              sdk::StreamErrorLookup error_lookup = {});
  BatchReader(BatchReader&&) noexcept;
  BatchReader& operator=(BatchReader&&) noexcept;
  ~BatchReader();

  const sdk::Schema& schema() const { return reader_->schema(); }
  /// The next batch; false at the end. Throws Error with the plugin's message on failure.
  bool next(sdk::OwnedArray& batch) { return reader_->next(batch); }
  int64_t rows_read() const { return reader_->rows_read(); }
  /// The underlying stream, still owned by this reader (e.g. to pass to another plugin's export).
  ArrowArrayStream* stream() { return stream_.get(); }
  /// The producer's whole error (status, SQLSTATE, vendor code) when the stream's last get_next failed,
  /// also when another consumer (an export reading stream()) made that call; nullopt otherwise or when
  /// the producer cannot say (an ABI 1.0 plugin).
  std::optional<sdk::Error> producer_error() const { return reader_->producer_error(); }

 private:
  std::unique_ptr<ArrowArrayStream> stream_;
  std::unique_ptr<sdk::StreamReader> reader_;
  std::shared_ptr<void> keep_alive_;
};

struct ExecuteOutcome {
  int64_t rows_affected = -1;
  std::optional<BatchReader> rows;  // set when the statement returned rows
};

class Connector {
 public:
  ~Connector();
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  const Plugin& plugin() const { return *plugin_; }
  /// What this instance can do: the plugin's capabilities, narrowed by what the instance answered
  /// right after open (ABI 1.1 instance_capabilities; the adbc bridge answers from its driver). Every
  /// operation below is refused with NOT_IMPLEMENTED, before the plugin is called, when its bit is missing.
  uint64_t capabilities() const;
  bool has(uint64_t capability) const;

  BatchReader load(const LoadOptions& options);
  /// Writes every batch of `input` (borrowed; the caller releases it). Returns rows written.
  int64_t export_data(const ExportOptions& options, ArrowArrayStream* input);
  /// Writes every batch of another plugin's stream (a copy). When the export fails because the input
  /// failed, the error keeps the destination's message but carries the producer's status, SQLSTATE and
  /// vendor code (ABI 1.1 stream_error), not just the errno the destination saw.
  int64_t export_data(const ExportOptions& options, BatchReader& input);
  ExecuteOutcome execute(const std::string& sql);
  int64_t execute_queries(const std::vector<std::string>& queries);
  void alter_table(const AlterTableOptions& options);
  bool table_exists(const std::string& table, const std::string& schema = {});
  bool path_exists(const std::string& path);
  /// Whether this instance can plan and load partitions: it has MAGEIO_CAP_PARTITIONS (ABI 1.1) and the
  /// plugin's slots are reachable.
  bool can_partition() const;
  /// The plugin's descriptors for `options` (at most options.partitions). Throws NOT_IMPLEMENTED when
  /// !can_partition() (saying why). State the partitions share (an exported snapshot) may live in this
  /// instance: keep it open until every partition has started.
  std::vector<std::string> plan_partitions(const PartitionOptions& options);
  /// Reads one descriptor of a plan made on this or another instance with the same configuration.
  BatchReader load_partition(const std::string& descriptor);

  /// Whether this instance can take a staged export (several writers, one swap): it has
  /// MAGEIO_CAP_STAGED_EXPORT (ABI 1.1) and the instance is in process.
  bool can_stage() const;
  /// Why staged exports cannot be used on this instance, or "" when they can.
  std::string stage_obstacle() const;
  /// Begins a staged export of rows with `schema` (see "Staged exports" in mageio_abi.h); returns the
  /// stage's descriptor. Throws NOT_IMPLEMENTED when !can_stage() or for an upsert, and, with
  /// `one_writer_possible`, when the plugin says one export would be faster (MAGEIO_REQUEST_ONE_WRITER_POSSIBLE).
  std::string stage_begin(const ExportOptions& options, const ArrowSchema& schema, bool one_writer_possible = false);
  /// Writes every batch of `input` into the stage (all or nothing); on any instance with the same
  /// configuration. When it fails because the input failed, the error carries the producer's status
  /// and SQLSTATE, as export_data does.
  int64_t stage_write(const std::string& stage, BatchReader& input);
  /// The same for any stream (borrowed; the caller releases it).
  int64_t stage_write(const std::string& stage, ArrowArrayStream* input);
  /// Puts the staged rows in place (commit; checked against expected_rows unless -1) or discards them.
  /// On the instance that began the stage, after every write has returned.
  int64_t stage_finish(const std::string& stage, bool commit, int64_t expected_rows = -1);

  /// The first `rows` rows of a table (Mage's sample): a load of the table with a limit.
  BatchReader sample(const std::string& table, const std::string& schema = {}, int64_t rows = 10);

  HostCallbacks& callbacks() { return *host_; }

 private:
  friend class Plugin;
  struct Instance;  // the MageioInstance, closed when the last holder (connector or stream) goes
  Connector(std::shared_ptr<const Plugin> plugin, std::shared_ptr<Instance> instance,
            std::shared_ptr<HostCallbacks> host, std::vector<std::string> secrets);

  void require(uint64_t capability, const char* operation) const;
  /// " on this instance (...)" when the plugin declares `capability` but this instance does not; else "".
  std::string not_on_this_instance(uint64_t capability) const;
  bool exists(const sdk::Target& target);
  [[noreturn]] void fail(MageioStatus status, MageioError& error, const char* operation) const;
  /// Calls one of the plugin's slots (`&MageioPluginDescriptor::load` ...) on this instance with `args`
  /// and an error slot; a status other than OK becomes fail(status, error, operation).
  template <typename Slot, typename... Args>
  void call_plugin(const char* operation, Slot MageioPluginDescriptor::*slot, Args... args) const;
  /// How a stream of this instance reports its whole error (empty for a 1.0 plugin).
  sdk::StreamErrorLookup stream_error_lookup() const;

  /// Why partitions cannot be used on this instance, or "" when they can.
  std::string partition_obstacle() const;
  sdk::ExportRequest export_request(const ExportOptions& options) const;
  /// The export error, with the producer's status and SQLSTATE when the input's failure caused it.
  [[noreturn]] static void rethrow_with_producer_error(const sdk::Error& error, const BatchReader& input);

  std::shared_ptr<const Plugin> plugin_;
  std::shared_ptr<Instance> instance_;
  std::shared_ptr<HostCallbacks> host_;
  std::vector<std::string> secrets_;
};

/// Opens plugin `plugin_name` with its keys from `profile` (isolated in a child process with
/// `options.isolate`).
std::unique_ptr<Connector> open_connector(Registry& registry, const std::string& plugin_name, const Profile& profile,
                                          std::shared_ptr<HostCallbacks> host = nullptr,
                                          const OpenOptions& options = {});

}  // namespace mageio
