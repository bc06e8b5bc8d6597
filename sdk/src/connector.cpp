#include <mageio/sdk/connector.hpp>

#include <cstring>

namespace mageio::sdk {

Host::Host(const MageioHostServices* services) {
  if (services == nullptr) return;
  // Copy only the fields the host's version of the struct has; the rest stay null.
  size_t size = services->struct_size < sizeof services_ ? services->struct_size : sizeof services_;
  std::memcpy(&services_, services, size);
  services_.struct_size = sizeof services_;
}

void Host::log(int32_t level, const std::string& message) const {
  if (services_.log != nullptr) services_.log(services_.host_data, level, message.c_str());
}

void Host::progress(int64_t rows, int64_t bytes, int64_t total_rows) const {
  plugin_reported_->store(true, std::memory_order_relaxed);
  if (services_.progress != nullptr) services_.progress(services_.host_data, rows, bytes, total_rows);
}

bool Host::cancelled() const {
  return services_.is_cancelled != nullptr && services_.is_cancelled(services_.host_data) != 0;
}

void Host::check_cancelled() const {
  if (cancelled()) throw cancelled_error();
}

uint64_t Connector::instance_capabilities(uint64_t declared) const { return declared; }

// A Connector only overrides what its capabilities declare; the SDK never calls the others (the host
// cannot reach them, since their slots stay empty), but a derived class may call up by mistake.
std::unique_ptr<BatchSource> Connector::load(const LoadRequest&) { throw not_implemented("load is not implemented"); }
int64_t Connector::export_data(const ExportRequest&, StreamReader&) {
  throw not_implemented("export is not implemented");
}
ExecuteResult Connector::execute(const std::string&) { throw not_implemented("execute is not implemented"); }
int64_t Connector::execute_queries(const std::vector<std::string>&) {
  throw not_implemented("execute_queries is not implemented");
}
void Connector::alter_table(const AlterTableRequest&) { throw not_implemented("alter_table is not implemented"); }
bool Connector::table_exists(const Target&) { throw not_implemented("table_exists is not implemented"); }
std::vector<std::string> Connector::plan_partitions(const PlanRequest&) {
  throw not_implemented("plan_partitions is not implemented");
}
std::unique_ptr<BatchSource> Connector::load_partition(const std::string&) {
  throw not_implemented("load_partition is not implemented");
}
std::string Connector::stage_begin(const StageRequest&, const Schema&) {
  throw not_implemented("staged exports are not implemented");
}
int64_t Connector::stage_write(const std::string&, StreamReader&) {
  throw not_implemented("staged exports are not implemented");
}
int64_t Connector::stage_finish(const std::string&, bool, int64_t) {
  throw not_implemented("staged exports are not implemented");
}

}  // namespace mageio::sdk
