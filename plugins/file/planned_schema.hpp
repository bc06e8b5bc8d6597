// The schema a partitioned load's plan decided, carried in every partition's descriptor.
//
// Types are inferred from the first infer_rows rows of the file. A partition that starts in the middle
// of the file cannot see those rows, and inferring from its own would give partitions different types;
// so the plan infers once, exactly as a single load does, and every partition reads with that schema
// and the same per-column rules (inferred or set by options.columns, JSON values kept as text).
#pragma once

#include <mageio/sdk/types.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::file {

struct PlannedColumn {
  std::string name;
  sdk::DataType type;
  bool inferred = true;      // false: set by options.columns (its values convert more freely)
  bool any_as_text = false;  // JSON Lines: every value is read as its JSON text
};

struct PlannedSchema {
  std::vector<PlannedColumn> columns;
  int64_t sample_rows = 0;  // the size of the inference sample, for messages
};

/// Compact JSON: {"sample_rows": n, "columns": [[name, type name, inferred, any_as_text], ...]}.
std::string to_json(const PlannedSchema& schema);
/// Reads it back; INVALID_ARGUMENT when it is not such a schema.
PlannedSchema parse_planned_schema(std::string_view json);

}  // namespace mageio::file
