// mageio._mageio: the extension module. The Python package (python/mageio) wraps it; see binding.hpp for
// the thread and GIL rules.
#include "config.hpp"
#include "connector.hpp"

#include <mageio/sdk/requests.hpp>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

namespace mageio::python {

boost::json::value to_json(nb::handle value, const std::string& where) {
  if (value.is_none()) return nullptr;
  if (PyBool_Check(value.ptr())) return value.ptr() == Py_True;
  if (PyLong_Check(value.ptr())) return nb::cast<int64_t>(value);
  if (PyFloat_Check(value.ptr())) return nb::cast<double>(value);
  if (PyUnicode_Check(value.ptr())) return boost::json::string(nb::cast<std::string>(value));
  if (PyDict_Check(value.ptr())) {
    boost::json::object object;
    for (auto [key, item] : nb::borrow<nb::dict>(value)) {
      if (!PyUnicode_Check(key.ptr())) throw nb::type_error((where + ": option names must be strings").c_str());
      const std::string name = nb::cast<std::string>(key);
      object[name] = to_json(item, where + "." + name);
    }
    return object;
  }
  if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) {
    boost::json::array array;
    for (nb::handle item : value) array.push_back(to_json(item, where + "[]"));
    return array;
  }
  const std::string type = nb::cast<std::string>(nb::str(value.type().attr("__name__")));
  throw nb::type_error(
      (where + ": a " + type + " cannot be passed to a plugin (str, int, float, bool, None, list, dict)").c_str());
}

namespace {

boost::json::object options_object(nb::handle options, const char* where) {
  if (options.is_none()) return {};
  if (!PyDict_Check(options.ptr())) throw nb::type_error((std::string(where) + " must be a dict").c_str());
  return to_json(options, where).as_object();
}

LoadOptions load_options(const std::string& query, const std::string& table, const std::string& schema,
                         const std::string& path, std::optional<int64_t> limit, std::optional<int64_t> batch_rows,
                         nb::handle options) {
  return LoadOptions{.query = query,
                     .table = table,
                     .schema = schema,
                     .path = path,
                     .limit = limit,
                     .batch_rows = batch_rows,
                     .options = options_object(options, "options")};
}

std::optional<sdk::PartitionBound> partition_bound(nb::handle value, const char* which) {
  if (value.is_none()) return std::nullopt;
  if (PyBool_Check(value.ptr()))
    throw nb::type_error(
        (std::string(which) + " must be an int, a float or a str (a date as ISO text), not bool").c_str());
  if (PyLong_Check(value.ptr())) return sdk::PartitionBound(nb::cast<int64_t>(value));
  if (PyFloat_Check(value.ptr())) return sdk::PartitionBound(nb::cast<double>(value));
  if (PyUnicode_Check(value.ptr())) return sdk::PartitionBound(nb::cast<std::string>(value));
  throw nb::type_error((std::string(which) + " must be an int, a float or a str (a date as ISO text), not " +
                        nb::cast<std::string>(nb::str(value.type().attr("__name__"))))
                           .c_str());
}

PartitionOptions partition_options(LoadOptions load, int64_t partitions, const std::string& partition_on,
                                   nb::handle lower_bound, nb::handle upper_bound) {
  return PartitionOptions{.load = std::move(load),
                          .partitions = partitions,
                          .partition_on = partition_on,
                          .lower_bound = partition_bound(lower_bound, "lower_bound"),
                          .upper_bound = partition_bound(upper_bound, "upper_bound")};
}

ExportOptions export_options(const std::string& table, const std::string& schema, const std::string& path,
                             const std::string& if_exists, const std::vector<std::string>& unique_constraints,
                             const std::string& conflict_method, nb::handle options) {
  ExportOptions result{.table = table, .schema = schema, .path = path};
  result.if_exists = sdk::parse_if_exists(if_exists);
  result.unique_constraints = unique_constraints;
  std::string method = conflict_method;
  for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  result.unique_conflict_method = sdk::parse_conflict_method(method);
  result.options = options_object(options, "options");
  return result;
}

nb::dict plugin_info(const Plugin& plugin) {
  nb::dict info;
  info["name"] = plugin.name();
  info["version"] = plugin.version();
  info["description"] = plugin.description();
  const uint32_t abi = plugin.abi_version();
  info["abi"] = std::to_string(MAGEIO_ABI_MAJOR(abi)) + "." + std::to_string((abi % 1000000u) / 1000u);
  nb::list capabilities;
  for (const auto& name : capability_names(plugin.capabilities())) capabilities.append(name);
  info["capabilities"] = capabilities;
  info["path"] = plugin.path().string();
  nb::list keys;
  for (const auto& key : plugin.config_schema().keys) {
    nb::dict k;
    k["name"] = key.name;
    k["alias"] = key.alias;
    k["required"] = key.required;
    k["secret"] = key.secret;
    k["default"] = key.default_value ? nb::cast(*key.default_value) : nb::none();
    k["description"] = key.description;
    keys.append(k);
  }
  info["config_keys"] = keys;
  nb::list types;
  for (const auto& type : plugin.supported_types()) types.append(type);
  info["types"] = types;
  return info;
}

}  // namespace

}  // namespace mageio::python

using namespace mageio;
using namespace mageio::python;

NB_MODULE(_mageio, m) {
  m.doc() = "mageio's host API (internal: use the mageio package)";
  // Objects Python still holds at exit are not an error here: libraries stay loaded to the end.
  nb::set_leak_warnings(false);
  register_error_translator();
  bind_config(m);

  m.attr("ABI_VERSION") = MAGEIO_ABI_VERSION;
  m.def("set_log_handler", &set_log_handler, nb::arg("handler"));

  m.def(
      "plugins",
      [](const std::vector<std::string>& plugin_dirs) {
        nb::list result;
        for (const auto& plugin : registry_for(plugin_dirs).plugins()) result.append(plugin_info(*plugin));
        return result;
      },
      nb::arg("plugin_dirs") = std::vector<std::string>{});
  m.def(
      "rejections",
      [](const std::vector<std::string>& plugin_dirs) {
        nb::list result;
        for (const auto& rejection : registry_for(plugin_dirs).rejections())
          result.append(nb::make_tuple(rejection.path.string(), rejection.reason));
        return result;
      },
      nb::arg("plugin_dirs") = std::vector<std::string>{});
  m.def(
      "search_path",
      [](const std::vector<std::string>& plugin_dirs) {
        nb::list result;
        for (const auto& [dir, origin] : registry_for(plugin_dirs).search_path())
          result.append(nb::make_tuple(dir.string(), origin));
        return result;
      },
      nb::arg("plugin_dirs") = std::vector<std::string>{});

  nb::class_<Reader>(m, "Reader")
      .def("schema", &Reader::schema)
      .def("next_batch", &Reader::next_batch, nb::arg("progress") = nb::none())
      .def("__arrow_c_stream__", &Reader::arrow_c_stream, nb::arg("requested_schema") = nb::none())
      .def_prop_ro("rows_read", &Reader::rows_read)
      .def_prop_ro("consumed", &Reader::consumed)
      .def_prop_ro("label", &Reader::label)
      .def("close", &Reader::close);

  nb::class_<PyConnector>(m, "Connector")
      .def_static("open", &PyConnector::open, nb::arg("plugin"), nb::arg("profile"), nb::arg("plugin_dirs"),
                  nb::arg("isolate") = false, nb::arg("timeout") = nb::none())
      .def_prop_ro("plugin_name", &PyConnector::plugin_name)
      .def_prop_ro("closed", &PyConnector::closed)
      .def(
          "load",
          [](PyConnector& c, const std::string& query, const std::string& table, const std::string& schema,
             const std::string& path, std::optional<int64_t> limit, std::optional<int64_t> batch_rows,
             nb::handle options, nb::handle progress) {
            return c.load(load_options(query, table, schema, path, limit, batch_rows, options), progress);
          },
          nb::arg("query"), nb::arg("table"), nb::arg("schema"), nb::arg("path"), nb::arg("limit").none(),
          nb::arg("batch_rows").none(), nb::arg("options").none(), nb::arg("progress").none())
      .def(
          "export",
          [](PyConnector& c, nb::handle capsule, const std::string& table, const std::string& schema,
             const std::string& path, const std::string& if_exists, const std::vector<std::string>& unique_constraints,
             const std::string& conflict_method, nb::handle options, nb::handle progress) {
            return c.export_stream(
                export_options(table, schema, path, if_exists, unique_constraints, conflict_method, options), capsule,
                progress);
          },
          nb::arg("capsule"), nb::arg("table"), nb::arg("schema"), nb::arg("path"), nb::arg("if_exists"),
          nb::arg("unique_constraints"), nb::arg("unique_conflict_method"), nb::arg("options").none(),
          nb::arg("progress").none())
      .def(
          "load_partitioned",
          [](PyConnector& c, const std::string& query, const std::string& table, const std::string& schema,
             const std::string& path, std::optional<int64_t> limit, std::optional<int64_t> batch_rows,
             nb::handle options, int64_t partitions, const std::string& partition_on, nb::handle lower_bound,
             nb::handle upper_bound, bool unordered, nb::handle progress) {
            return c.load_partitioned(
                partition_options(load_options(query, table, schema, path, limit, batch_rows, options), partitions,
                                  partition_on, lower_bound, upper_bound),
                unordered, progress);
          },
          nb::arg("query"), nb::arg("table"), nb::arg("schema"), nb::arg("path"), nb::arg("limit").none(),
          nb::arg("batch_rows").none(), nb::arg("options").none(), nb::arg("partitions"), nb::arg("partition_on"),
          nb::arg("lower_bound").none(), nb::arg("upper_bound").none(), nb::arg("unordered"),
          nb::arg("progress").none())
      .def(
          "plan_partitions",
          [](PyConnector& c, const std::string& query, const std::string& table, const std::string& schema,
             const std::string& path, std::optional<int64_t> limit, std::optional<int64_t> batch_rows,
             nb::handle options, int64_t partitions, const std::string& partition_on, nb::handle lower_bound,
             nb::handle upper_bound) {
            return c.plan_partitions(
                partition_options(load_options(query, table, schema, path, limit, batch_rows, options), partitions,
                                  partition_on, lower_bound, upper_bound));
          },
          nb::arg("query"), nb::arg("table"), nb::arg("schema"), nb::arg("path"), nb::arg("limit").none(),
          nb::arg("batch_rows").none(), nb::arg("options").none(), nb::arg("partitions"), nb::arg("partition_on"),
          nb::arg("lower_bound").none(), nb::arg("upper_bound").none())
      .def("load_partition", &PyConnector::load_partition, nb::arg("descriptor"), nb::arg("progress").none())
      .def("execute", &PyConnector::execute, nb::arg("sql"))
      .def("execute_queries", &PyConnector::execute_queries, nb::arg("queries"))
      .def("table_exists", &PyConnector::table_exists, nb::arg("table"), nb::arg("schema"))
      .def("path_exists", &PyConnector::path_exists, nb::arg("path"))
      .def("sample", &PyConnector::sample, nb::arg("table"), nb::arg("schema"), nb::arg("rows"))
      .def(
          "alter_table",
          [](PyConnector& c, const std::string& table, const std::string& schema, const std::string& action,
             const std::string& column, const std::string& new_name, const std::string& type) {
            c.alter_table(AlterTableOptions{.table = table,
                                            .schema = schema,
                                            .action = sdk::parse_alter_action(action),
                                            .column = column,
                                            .new_name = new_name,
                                            .type = type});
          },
          nb::arg("table"), nb::arg("schema"), nb::arg("action"), nb::arg("column"), nb::arg("new_name"),
          nb::arg("type"))
      .def("close", &PyConnector::close);

  m.def(
      "copy",
      [](PyConnector& source, PyConnector& destination, const std::string& query, const std::string& table,
         const std::string& schema, const std::string& path, std::optional<int64_t> limit, nb::handle load_opts,
         const std::string& to_table, const std::string& to_schema, const std::string& to_path,
         const std::string& if_exists, const std::vector<std::string>& unique_constraints,
         const std::string& conflict_method, nb::handle export_opts, nb::handle progress, int64_t partitions,
         const std::string& partition_on) {
        return copy(
            source,
            partition_options(load_options(query, table, schema, path, limit, std::nullopt, load_opts), partitions,
                              partition_on, nb::none(), nb::none()),
            destination,
            export_options(to_table, to_schema, to_path, if_exists, unique_constraints, conflict_method, export_opts),
            progress);
      },
      nb::arg("source"), nb::arg("destination"), nb::arg("query"), nb::arg("table"), nb::arg("schema"), nb::arg("path"),
      nb::arg("limit").none(), nb::arg("options").none(), nb::arg("to_table"), nb::arg("to_schema"), nb::arg("to_path"),
      nb::arg("if_exists"), nb::arg("unique_constraints"), nb::arg("unique_conflict_method"),
      nb::arg("to_options").none(), nb::arg("progress").none(), nb::arg("partitions"), nb::arg("partition_on"));
}
