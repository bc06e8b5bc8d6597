// The postgres IO class: Mage's Postgres loader/exporter on libpq, with data streamed as Arrow.
#pragma once

#include "pg_config.hpp"
#include "pg_connection.hpp"

#include <mageio/sdk/connector.hpp>

#include <memory>

namespace mageio::postgres {

class PostgresConnector : public sdk::Connector {
 public:
  static sdk::PluginInfo info();
  /// Connects at once, so that bad credentials or an unreachable server fail the open.
  PostgresConnector(const sdk::Config& config, sdk::Host& host);
  /// Ends the last plan's transaction (its snapshot) before the connections close.
  ~PostgresConnector() override;

  std::unique_ptr<sdk::BatchSource> load(const sdk::LoadRequest& request) override;
  int64_t export_data(const sdk::ExportRequest& request, sdk::StreamReader& input) override;
  sdk::ExecuteResult execute(const std::string& sql) override;
  int64_t execute_queries(const std::vector<std::string>& queries) override;
  void alter_table(const sdk::AlterTableRequest& request) override;
  bool table_exists(const sdk::Target& target) override;
  /// Column ranges or page ranges under one exported snapshot (see pg_partitions.hpp); the snapshot's
  /// transaction stays open in this instance until the next plan or the close.
  std::vector<std::string> plan_partitions(const sdk::PlanRequest& request) override;
  std::unique_ptr<sdk::BatchSource> load_partition(const std::string& descriptor) override;
  /// A staging table that several writers fill, put in place at the end (see pg_staged_export.hpp).
  std::string stage_begin(const sdk::StageRequest& request, const sdk::Schema& schema) override;
  int64_t stage_write(const std::string& stage, sdk::StreamReader& input) override;
  int64_t stage_finish(const std::string& stage, bool commit, int64_t expected_rows) override;

 private:
  std::string schema_of(const sdk::Target& target) const;

  sdk::Host& host_;
  std::shared_ptr<ConnectionPool> pool_;
  ConnectionPool::Lease plan_snapshot_;  // the last plan's open transaction, if it exported a snapshot
};

}  // namespace mageio::postgres
