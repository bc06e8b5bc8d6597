// What the partitioned load and the partitioned copy share: the check that partitions agree on their
// columns, and the sum of every partition's progress.
#pragma once

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/types.hpp>

#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace mageio::detail {

/// Same names and types in the same order (nullability may differ between partitions).
inline bool same_columns(const sdk::Schema& a, const sdk::Schema& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || !(a[i].type == b[i].type)) return false;
  return true;
}

/// The exception being handled, as an Error whose message ends by naming the partition (1-based):
/// "... (partition 2 of 4)".
inline std::exception_ptr error_of_partition(size_t index, size_t count) {
  const std::string where = "partition " + std::to_string(index + 1) + " of " + std::to_string(count);
  try {
    throw;
  } catch (const sdk::Error& e) {
    return std::make_exception_ptr(
        sdk::Error(e.status(), std::string(e.what()) + " (" + where + ")", e.sqlstate(), e.vendor_code()));
  } catch (const std::exception& e) {
    return std::make_exception_ptr(sdk::Error(MAGEIO_STATUS_INTERNAL, std::string(e.what()) + " (" + where + ")"));
  } catch (...) {
    return std::make_exception_ptr(sdk::Error(MAGEIO_STATUS_INTERNAL, "unknown exception (" + where + ")"));
  }
}

/// Sums the progress of every partition into one callback (the one a CLI shows).
struct ProgressSum {
  std::mutex mutex;
  std::function<void(int64_t, int64_t, int64_t)> target;
  std::vector<int64_t> rows, bytes;

  ProgressSum(std::function<void(int64_t, int64_t, int64_t)> to, size_t partitions)
      : target(std::move(to)), rows(partitions, 0), bytes(partitions, 0) {}

  void update(size_t partition, int64_t partition_rows, int64_t partition_bytes) {
    std::lock_guard lock(mutex);
    rows[partition] = partition_rows;
    bytes[partition] = partition_bytes;
    int64_t total_rows = 0, total_bytes = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      total_rows += rows[i];
      total_bytes += bytes[i] < 0 ? 0 : bytes[i];
    }
    if (target) target(total_rows, total_bytes, -1);
  }
};

}  // namespace mageio::detail
