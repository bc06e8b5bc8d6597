// abi.* and robustness.*: the C functions called directly -- errors in truncated structs, instances
// without host services, malformed requests, targets of the wrong kind.
#include "context.hpp"
#include "raw.hpp"

#include <boost/json/serialize.hpp>

#include <cstddef>

namespace fs = std::filesystem;
namespace json = boost::json;

namespace mageio::conformance::detail {
namespace {

// One declared operation called raw with a request; returns its status through `call`.
struct Operation {
  uint64_t capability;
  const char* name;
  // Calls the slot with `request`; the error goes to `error`.
  std::function<MageioStatus(MageioInstance*, const char* request, MageioError* error)> call;
};

std::vector<Operation> operations(Kit& kit) {
  const MageioPluginDescriptor& d = kit.plugin().descriptor();
  const sdk::Schema schema = kit.basic({}).schema;
  Kit* k = &kit;
  return {
      {MAGEIO_CAP_LOAD, "load",
       [&d](MageioInstance* instance, const char* request, MageioError* error) {
         ArrowArrayStream out{};
         MageioStatus status = d.load(instance, request, &out, error);
         if (out.release) out.release(&out);
         return status;
       }},
      {MAGEIO_CAP_EXPORT, "export",
       [&d, k](MageioInstance* instance, const char* request, MageioError* error) {
         Stream input(k->basic({}));
         int64_t rows = -1;
         MageioStatus status = d.export_data(instance, request, input.get(), &rows, error);
         if (input.released()) fail("export released the input stream, which stays the caller's");
         return status;
       }},
      {MAGEIO_CAP_EXECUTE, "execute",
       [&d](MageioInstance* instance, const char* request, MageioError* error) {
         ArrowArrayStream out{};
         int64_t rows = -1;
         MageioStatus status = d.execute(instance, request, &rows, &out, error);
         if (out.release) out.release(&out);
         return status;
       }},
      {MAGEIO_CAP_EXECUTE_QUERIES, "execute_queries",
       [&d](MageioInstance* instance, const char* request, MageioError* error) {
         int64_t rows = -1;
         return d.execute_queries(instance, request, &rows, error);
       }},
      {MAGEIO_CAP_ALTER_TABLE, "alter_table",
       [&d](MageioInstance* instance, const char* request, MageioError* error) {
         return d.alter_table(instance, request, error);
       }},
      {MAGEIO_CAP_TABLE_EXISTS, "table_exists",
       [&d](MageioInstance* instance, const char* request, MageioError* error) {
         int32_t exists = 0;
         return d.table_exists(instance, request, &exists, error);
       }},
  };
}

const size_t kTruncatedSizes[] = {sizeof(size_t), offsetof(MageioError, release), sizeof(MageioError)};

// Calls `call` with errors of each truncated size; FAILs when a canary was overwritten, or when the call
// did not fail (so its error path went untested).
void expect_bounded(const std::string& what, const std::function<MageioStatus(MageioError*)>& call) {
  std::vector<std::string> damage;
  for (size_t size : kTruncatedSizes) {
    MageioStatus status = MAGEIO_STATUS_OK;
    std::string problem = call_with_truncated_error(size, call, status);
    if (!problem.empty()) damage.push_back(problem);
    if (status == MAGEIO_STATUS_OK) fail(what + " returned OK, so its error path could not be checked");
  }
  if (!damage.empty()) {
    std::string list;
    for (const auto& item : damage) list += (list.empty() ? "" : "; ") + item;
    fail(what + " " + list);
  }
}

json::object target_request(const Target& target) {
  if (!target.path.empty()) return json::object{{MAGEIO_REQUEST_PATH, target.path}};
  return json::object{{MAGEIO_REQUEST_TABLE, target.table}};
}

// The requests every operation must refuse with INVALID_ARGUMENT: not JSON, not an object, and a valid
// request with one unknown key.
std::vector<std::string> malformed_requests(const std::string& op, const Target& target) {
  json::object valid = target_request(target);
  if (op == "export") valid[MAGEIO_REQUEST_IF_EXISTS] = "fail";
  if (op == "execute") valid = json::object{{MAGEIO_REQUEST_SQL, "SELECT 1"}};
  if (op == "execute_queries") valid = json::object{{MAGEIO_REQUEST_QUERIES, json::array{"SELECT 1"}}};
  if (op == "alter_table") {
    valid[MAGEIO_REQUEST_ACTION] = "add_column";
    valid[MAGEIO_REQUEST_COLUMN] = "c";
    valid[MAGEIO_REQUEST_TYPE] = "int64";
  }
  json::object unknown = valid;
  unknown["mageio_kit_unknown_key"] = 1;
  std::vector<std::string> requests = {"", "{", "[]", "null", json::serialize(unknown)};
  if (op == "export") {
    json::object bad = valid;
    bad[MAGEIO_REQUEST_IF_EXISTS] = "sometimes";
    requests.push_back(json::serialize(bad));
  }
  if (op == "alter_table") {
    json::object bad = valid;
    bad[MAGEIO_REQUEST_ACTION] = "explode";
    requests.push_back(json::serialize(bad));
    bad = valid;
    bad[MAGEIO_REQUEST_TYPE] = "no_such_type";
    requests.push_back(json::serialize(bad));
  }
  return requests;
}

}  // namespace

void abi_checks(Kit& kit) {
  const MageioPluginDescriptor& d = kit.plugin().descriptor();
  kit.check("abi.error_bounds.entry_point", [&] {
    RawLibrary library(kit.plugin());
    expect_bounded("the entry point (refusing ABI 2.0)", [&](MageioError* error) {
      const MageioPluginDescriptor* out = nullptr;
      return library.entry()(2000000u, &out, error);
    });
  });
  kit.check("abi.error_bounds.open", [&] {
    json::object config = kit.config();
    config["MAGEIO_KIT_UNKNOWN_KEY"] = "1";
    const std::string text = json::serialize(config);
    expect_bounded("open (with an unknown config key)", [&](MageioError* error) {
      MageioInstance* instance = nullptr;
      MageioStatus status = d.open(text.c_str(), nullptr, &instance, error);
      if (status == MAGEIO_STATUS_OK && instance != nullptr) d.close(instance);
      return status;
    });
  });
  for (const auto& op : operations(kit)) {
    kit.check_with(op.capability, std::string("abi.error_bounds.") + op.name, [&] {
      if (!kit.opened()) skip("no instance: open.config failed");
      RawInstance instance(d, kit.config());
      if (!instance.ok()) fail("cannot open an instance through the raw descriptor: " + instance.error());
      expect_bounded(std::string(op.name) + " (with a request that is not JSON)",
                     [&](MageioError* error) { return op.call(instance.handle(), "{", error); });
    });
  }
  kit.check("abi.open_without_host_services", [&] {
    if (!kit.opened()) skip("no instance: open.config failed");
    RawInstance instance(d, kit.config(), false);
    if (!instance.ok()) fail("open with host services NULL (which the ABI allows) failed: " + instance.error());
  });
}

void robustness_checks(Kit& kit) {
  const MageioPluginDescriptor& d = kit.plugin().descriptor();
  for (const auto& op : operations(kit)) {
    kit.check_with(op.capability, std::string("robustness.malformed_request.") + op.name, [&] {
      if (!kit.opened()) skip("no instance: open.config failed");
      RawInstance instance(d, kit.config());
      if (!instance.ok()) fail("cannot open an instance through the raw descriptor: " + instance.error());
      const Target target = kit.new_target();
      std::vector<std::string> problems;
      for (const auto& request : malformed_requests(op.name, target)) {
        RawOutcome outcome =
            call_with_error([&](MageioError* error) { return op.call(instance.handle(), request.c_str(), error); });
        const std::string what = "request '" + (request.size() > 120 ? request.substr(0, 120) + "..." : request) + "'";
        if (outcome.status != MAGEIO_STATUS_INVALID_ARGUMENT)
          problems.push_back(what + " answered " + sdk::status_name(outcome.status) + " instead of INVALID_ARGUMENT");
        else if (!outcome.message || outcome.message->find_first_not_of(" \t\r\n") == std::string::npos)
          problems.push_back(what + " failed without a message");
      }
      if (std::string(op.name) == "export" && kit.exists(kit.connector(), target))
        problems.push_back("a refused export still created " + target.describe());
      if (!problems.empty()) {
        std::string list;
        for (const auto& problem : problems) list += (list.empty() ? "" : "; ") + problem;
        fail(list);
      }
    });
  }

  kit.check("robustness.wrong_target_kind", [&] {
    const bool tables = kit.has(MAGEIO_CAP_TABLES), paths = kit.has(MAGEIO_CAP_PATHS);
    if (tables == paths)
      skip(tables ? "the plugin takes both tables and paths" : "the plugin takes neither tables nor paths");
    if (!kit.has(MAGEIO_CAP_LOAD) && !kit.has(MAGEIO_CAP_EXPORT)) skip("the plugin declares neither load nor export");
    Connector& connector = kit.connector();
    Target wrong;
    fs::path file;
    if (tables) {
      file = kit.new_directory() / (kit.unique_name() + ".csv");
      wrong.path = file.string();
    } else {
      wrong.table = kit.unique_name();
    }
    const std::string kind = tables ? "a path given to a tables plugin" : "a table given to a paths plugin";
    if (kit.has(MAGEIO_CAP_LOAD)) kit.expect_error("load of " + kind, [&] { kit.load(connector, wrong); });
    if (kit.has(MAGEIO_CAP_EXPORT)) {
      kit.expect_error("export to " + kind, [&] { kit.export_table(connector, wrong, kit.basic({{1, "a"}})); });
      std::error_code ec;
      if (!file.empty()) require(!fs::exists(file, ec), "the refused export still wrote " + file.string());
    }
  });
}

}  // namespace mageio::conformance::detail
