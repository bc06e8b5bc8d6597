#include "adbc_partitions.hpp"

#include <mageio/sdk/error.hpp>

#include <algorithm>

namespace mageio::adbc {
namespace {

std::string to_hex(const uint8_t* data, size_t length) {
  static const char digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(length * 2);
  for (size_t i = 0; i < length; ++i) {
    text.push_back(digits[data[i] >> 4]);
    text.push_back(digits[data[i] & 15]);
  }
  return text;
}

std::vector<uint8_t> from_hex(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (text.size() % 2 != 0) throw sdk::invalid_argument("adbc partition descriptor: a partition is not hex text");
  std::vector<uint8_t> bytes(text.size() / 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const int high = value(text[2 * i]);
    const int low = value(text[2 * i + 1]);
    if (high < 0 || low < 0) throw sdk::invalid_argument("adbc partition descriptor: a partition is not hex text");
    bytes[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return bytes;
}

std::string query_descriptor(const Session& session, const std::string& sql) {
  sdk::PartitionDescriptor descriptor("adbc");
  descriptor.set("driver", const_cast<Session&>(session).driver().library_path()).set("sql", sql);
  return descriptor.text();
}

// The driver's partitions of one descriptor, each read with ReadPartition in turn.
class PartitionsSource : public sdk::BatchSource {
 public:
  PartitionsSource(std::shared_ptr<Session> session, std::vector<std::vector<uint8_t>> parts)
      : session_(std::move(session)), parts_(std::move(parts)) {
    open_next();
  }
  const sdk::Schema& schema() const override { return current_->schema(); }
  bool next(ArrowArray* out) override {
    while (true) {
      if (current_->next(out)) return true;
      if (index_ >= parts_.size()) return false;
      open_next();
    }
  }

 private:
  void open_next() {
    const std::vector<uint8_t>& part = parts_[index_++];
    const std::string what = "load of partition " + std::to_string(index_) + " of " + std::to_string(parts_.size());
    AdbcDriver& d = session_->driver().table();
    if (d.ConnectionReadPartition == nullptr)
      throw sdk::not_implemented(what + ": the ADBC driver " + session_->driver().library_path() +
                                 " has no ReadPartition");
    ArrowArrayStream stream{};
    AdbcError error = new_error(session_->driver());
    session_->check(d.ConnectionReadPartition(session_->connection(), part.data(), part.size(), &stream, &error), error,
                    what + " failed (ReadPartition)");
    // The source holds a statement only to keep the session (and so the connection) alive.
    auto next = stream_source(std::make_unique<Statement>(session_), stream, what);
    current_ = std::move(next);
  }

  std::shared_ptr<Session> session_;
  std::vector<std::vector<uint8_t>> parts_;
  size_t index_ = 0;
  std::unique_ptr<sdk::BatchSource> current_;
};

}  // namespace

std::vector<std::string> plan_partitions(const std::shared_ptr<Session>& session, const sdk::PlanRequest& request,
                                         const std::string& sql) {
  auto single = [&](const std::string& why) {
    if (request.partitions > 1) session->host().warning("one partition: " + why);
    return std::vector<std::string>{query_descriptor(*session, sql)};
  };
  if (request.load.limit) return single("a load with a limit is read as one stream");
  if (!request.partition_on.empty()) {
    // The column must exist (a wrong name is an error, not a silent single partition), though the
    // bridge cannot range on it.
    auto statement = std::make_unique<Statement>(session);
    const std::string what = "planning partitions on " + request.partition_on;
    statement->set_sql("SELECT * FROM (" + sql + ") AS mageio_probe LIMIT 0", what);
    ArrowArrayStream stream{};
    statement->execute(&stream, what + " failed");
    auto probe = stream_source(std::move(statement), stream, what);
    std::string names;
    bool found = false;
    for (const auto& field : probe->schema()) {
      found = found || field.name == request.partition_on;
      names += (names.empty() ? "" : ", ") + field.name;
    }
    if (!found)
      throw sdk::not_found("partition_on: the load has no column " + request.partition_on + " (it has " + names + ")");
    return single("the adbc bridge splits a load only as the driver does (ExecutePartitions), not on a column (" +
                  request.partition_on + ")");
  }
  if (request.partitions <= 1) return single("");
  AdbcDriver& d = session->driver().table();
  if (d.StatementExecutePartitions == nullptr)
    return single("the ADBC driver " + session->driver().library_path() + " has no ExecutePartitions");
  Statement statement(session);
  statement.set_sql(sql, "planning partitions failed");
  ArrowSchema schema{};
  AdbcPartitions partitions{};
  int64_t rows = -1;
  AdbcError error = new_error(session->driver());
  const AdbcStatusCode status = d.StatementExecutePartitions(statement.get(), &schema, &partitions, &rows, &error);
  if (status == ADBC_STATUS_NOT_IMPLEMENTED) {
    release_error(error);
    return single("the ADBC driver " + session->driver().library_path() + " (" +
                  (session->vendor().empty() ? std::string("no vendor name") : "vendor " + session->vendor()) +
                  ") does not partition results (ExecutePartitions is NOT_IMPLEMENTED)");
  }
  session->check(status, error, "planning partitions failed (ExecutePartitions)");
  if (schema.release) schema.release(&schema);
  std::vector<std::string> parts;
  for (size_t i = 0; i < partitions.num_partitions; ++i)
    parts.push_back(to_hex(partitions.partitions[i], partitions.partition_lengths[i]));
  if (partitions.release) partitions.release(&partitions);
  if (parts.empty()) return single("the driver gave no partitions");
  // More partitions than asked: contiguous groups, one descriptor each (never more than asked).
  const size_t count = std::min(parts.size(), static_cast<size_t>(request.partitions));
  std::vector<std::string> descriptors;
  for (size_t group = 0; group < count; ++group) {
    const size_t first = parts.size() * group / count;
    const size_t last = parts.size() * (group + 1) / count;
    std::string joined;
    for (size_t i = first; i < last; ++i) joined += (i == first ? "" : ",") + parts[i];
    sdk::PartitionDescriptor descriptor("adbc");
    descriptor.set("driver", session->driver().library_path()).set("partitions", joined);
    descriptors.push_back(descriptor.text());
  }
  if (parts.size() < static_cast<size_t>(request.partitions))
    session->host().warning(std::to_string(parts.size()) + " partition(s): what the driver gave (asked for " +
                            std::to_string(request.partitions) + ")");
  return descriptors;
}

std::unique_ptr<sdk::BatchSource> load_partition(const std::shared_ptr<Session>& session, const std::string& text) {
  const auto descriptor = sdk::PartitionDescriptor::parse(text, "adbc");
  const std::string& driver = descriptor.string("driver");
  if (driver != session->driver().library_path())
    throw sdk::invalid_argument("adbc partition descriptor: it was planned with the ADBC driver " + driver +
                                ", this instance uses " + session->driver().library_path());
  if (auto sql = descriptor.optional_string("sql")) {
    const std::string what = "load of the partition";
    auto statement = std::make_unique<Statement>(session);
    statement->set_sql(*sql, what);
    ArrowArrayStream stream{};
    statement->execute(&stream, what + " failed");
    return stream_source(std::move(statement), stream, what);
  }
  std::vector<std::vector<uint8_t>> parts;
  const std::string& joined = descriptor.string("partitions");
  size_t start = 0;
  while (start <= joined.size()) {
    const size_t comma = std::min(joined.find(',', start), joined.size());
    parts.push_back(from_hex(joined.substr(start, comma - start)));
    start = comma + 1;
  }
  return std::make_unique<PartitionsSource>(session, std::move(parts));
}

}  // namespace mageio::adbc
