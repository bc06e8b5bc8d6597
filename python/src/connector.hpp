// The Python-facing connector (mageio._mageio.Connector).
#pragma once

#include "binding.hpp"

#include <nanobind/stl/string.h>

namespace mageio::python {

class PyConnector {
 public:
  /// How to open more instances like this one (a partitioned load's planner and partition connectors).
  struct Recipe {
    std::shared_ptr<const Plugin> plugin;
    boost::json::object config;
    std::vector<std::string> secrets;
    OpenOptions open;
  };

  PyConnector(std::shared_ptr<Session> session, std::unique_ptr<Connector> connector, Recipe recipe);
  ~PyConnector();

  static std::unique_ptr<PyConnector> open(const std::string& plugin_name, const Profile& profile,
                                           const std::vector<std::string>& plugin_dirs, bool isolate,
                                           std::optional<double> timeout);

  std::unique_ptr<Reader> load(const LoadOptions& options, nb::handle progress);
  /// partitioned_load: a planner and one connector per partition, each a new instance with this one's
  /// configuration (this instance is not used, so it stays free for other calls).
  std::unique_ptr<Reader> load_partitioned(const PartitionOptions& options, bool unordered, nb::handle progress);
  /// The plan's descriptors; the state they share (an exported snapshot) lives in this instance.
  std::vector<std::string> plan_partitions(const PartitionOptions& options);
  std::unique_ptr<Reader> load_partition(const std::string& descriptor, nb::handle progress);
  int64_t export_stream(const ExportOptions& options, nb::handle capsule, nb::handle progress);
  nb::object execute(const std::string& sql);
  int64_t execute_queries(const std::vector<std::string>& queries);
  bool table_exists(const std::string& table, const std::string& schema);
  bool path_exists(const std::string& path);
  std::unique_ptr<Reader> sample(const std::string& table, const std::string& schema, int64_t rows);
  void alter_table(const AlterTableOptions& options);
  void close();
  bool closed() const { return !connector_; }
  const std::string& plugin_name() const { return session_->plugin; }
  const Plugin* plugin() const { return connector_ ? &connector_->plugin() : nullptr; }

  Connector& get(const char* operation);
  const std::shared_ptr<Session>& session() const { return session_; }
  void reset_progress();

 private:
  std::shared_ptr<Session> session_;
  std::unique_ptr<Connector> connector_;
  Recipe recipe_;

 public:
  /// Another connector opened like this one: with `host`, or with callbacks of its own whose log lines
  /// go to this connector's session (for partition connectors).
  std::unique_ptr<Connector> open_another(std::shared_ptr<HostCallbacks> host) const;
  std::unique_ptr<Connector> open_another_logging_here() const;
};

/// Streams `load` (partitioned when it asks for more than one partition: N readers, and N writers into
/// a stage of the destination when it can take them) into `options`' target.
int64_t copy(PyConnector& source, const PartitionOptions& load, PyConnector& destination, const ExportOptions& options,
             nb::handle progress);

}  // namespace mageio::python
