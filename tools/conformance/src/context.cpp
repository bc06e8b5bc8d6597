#include "context.hpp"

#include <mageio/core/io_config.hpp>
#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/random_suffix.hpp>

#include <algorithm>
#include <cstring>

namespace fs = std::filesystem;

namespace mageio::conformance::detail {
namespace {

std::string one_line(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

std::string status_list(std::initializer_list<MageioStatus> statuses) {
  std::string out;
  size_t i = 0;
  for (auto status : statuses) {
    out += (i == 0 ? "" : i + 1 == statuses.size() ? " or " : ", ") + std::string(sdk::status_name(status));
    ++i;
  }
  return out;
}

// Whether the plugin said something: the host writes "(no message)" for a NULL message, and a stream
// without get_last_error text falls back to strerror.
bool has_message(const sdk::Error& error) {
  std::string text = error.what();
  if (auto sqlstate = text.rfind(" (SQLSTATE "); sqlstate != std::string::npos && text.ends_with(")"))
    text.erase(sqlstate);
  if (text.ends_with("(no message)")) return false;
  const size_t colon = text.rfind(": ");
  std::string tail = colon == std::string::npos ? text : text.substr(colon + 2);
  if (tail == std::strerror(sdk::status_to_errno(error.status()))) return false;
  // The host prefixes "<plugin> <operation>: "; what the plugin said follows the first ": ".
  const size_t first = text.find(": ");
  std::string said = first == std::string::npos ? text : text.substr(first + 2);
  return said.find_first_not_of(" \t\r\n") != std::string::npos;
}

}  // namespace

std::string Target::describe() const { return path.empty() ? "table " + show(table) : "path " + show(path); }

std::string describe_error(const sdk::Error& error) {
  return std::string(sdk::status_name(error.status())) + ": " + error.what();
}

Kit::Kit(const Plugin& plugin, boost::json::object config, Options options, Report& report)
    : plugin_(plugin),
      config_(std::move(config)),
      options_(std::move(options)),
      report_(report),
      run_id_(sdk::random_suffix(6)) {
  auto claimed = [&](const std::string& name) {
    const auto& types = plugin_.supported_types();
    return std::find(types.begin(), types.end(), name) != types.end();
  };
  key_type_ = sdk::int64();
  for (const char* name : {"int64", "int32", "int16", "uint32", "uint16", "uint64", "utf8", "large_utf8"}) {
    if (claimed(name)) {
      key_type_ = sdk::DataType::from_name(name);
      break;
    }
  }
  text_type_ = claimed("utf8") || !claimed("large_utf8") ? sdk::utf8() : sdk::large_utf8();
}

Kit::~Kit() {
  // cleanup() normally ran; this only catches a run that ended by an exception.
  std::error_code ec;
  if (!work_dir_.empty()) fs::remove_all(work_dir_, ec);
}

std::string Kit::mask(std::string text) const { return mask_secrets(std::move(text), options_.secrets); }

void Kit::record(const std::string& name, Outcome outcome, const std::string& reason) {
  CheckResult result{name, outcome, one_line(mask(reason))};
  report_.results.push_back(result);
  if (options_.on_result) options_.on_result(result);
}

void Kit::set_variant(bool paths, std::string suffix, bool qualify) {
  paths_ = paths;
  suffix_ = std::move(suffix);
  qualify_ = qualify;
}

void Kit::check(const std::string& name, const std::function<void()>& body) {
  std::string full = name;
  if (qualify_) full += paths_ ? " [" + (suffix_.empty() ? std::string("paths") : suffix_) + "]" : " [tables]";
  if (options_.on_check_start) options_.on_check_start(full);
  pass_note_.clear();
  try {
    body();
    record(full, Outcome::Pass, pass_note_);
  } catch (const CheckFailure& failure) {
    record(full, Outcome::Fail, failure.what());
  } catch (const CheckSkip& skipped) {
    record(full, Outcome::Skip, skipped.what());
  } catch (const sdk::Error& error) {
    record(full, Outcome::Fail, "unexpected error: " + describe_error(error));
  } catch (const std::exception& error) {
    record(full, Outcome::Fail, std::string("unexpected exception: ") + error.what());
  } catch (...) {
    record(full, Outcome::Fail, "unexpected exception of an unknown type");
  }
}

void Kit::check_with(uint64_t capabilities, const std::string& name, const std::function<void()>& body) {
  std::vector<std::string> missing;
  for (uint64_t bit = 1; bit != 0 && bit <= capabilities; bit <<= 1)
    if ((capabilities & bit) && !has(bit))
      for (const auto& capability : capability_names(bit)) missing.push_back(capability);
  if (missing.empty()) {
    check(name, body);
    return;
  }
  std::string list;
  for (const auto& capability : missing) list += (list.empty() ? "" : ", ") + capability;
  const bool plugin_declares = plugin_.has(capabilities);
  check(name, [&] {
    skip(plugin_declares ? "the instance (open.config) does not declare " + list
                         : "the plugin does not declare " + list);
  });
}

std::unique_ptr<Connector> Kit::open(const boost::json::object& config) const {
  return plugin_.open(config, nullptr, options_.secrets,
                      OpenOptions{.isolate = options_.isolate, .timeout = options_.isolate_timeout_seconds});
}

Connector& Kit::connector() {
  if (!connector_) skip("no instance: open.config failed");
  return *connector_;
}

std::string Kit::unique_name() { return options_.name_prefix + "_" + run_id_ + "_" + std::to_string(++counter_); }

fs::path Kit::new_directory() {
  if (work_dir_.empty()) {
    fs::path base = options_.work_dir.empty() ? fs::temp_directory_path() : options_.work_dir;
    work_dir_ = base / (options_.name_prefix + "_" + run_id_);
    fs::create_directories(work_dir_);
    if (options_.on_work_dir) options_.on_work_dir(work_dir_);
  }
  fs::path dir = work_dir_ / ("d" + std::to_string(++counter_));
  fs::create_directories(dir);
  return dir;
}

Target Kit::new_target(const std::string& name) {
  Target target;
  if (paths_) {
    target.path = (new_directory() / ((name.empty() ? unique_name() : name) + suffix_)).string();
  } else {
    target.table = name.empty() ? unique_name() : name;
    remember_table(target.table);
  }
  return target;
}

void Kit::remember_table(const std::string& table) {
  if (std::find(tables_.begin(), tables_.end(), table) == tables_.end()) tables_.push_back(table);
}

void Kit::forget(const Target& target) {
  if (!target.table.empty()) tables_.erase(std::remove(tables_.begin(), tables_.end(), target.table), tables_.end());
}

int64_t Kit::export_table(Connector& connector, const Target& target, const Table& table, const std::string& if_exists,
                          SourceOptions source, const std::vector<std::string>& unique_constraints,
                          const std::string& method) {
  Stream stream(table, std::move(source));
  ExportOptions options{
      .table = target.table,
      .path = target.path,
      .if_exists = sdk::parse_if_exists(if_exists),
      .unique_constraints = unique_constraints,
      .unique_conflict_method = method.empty() ? sdk::ConflictMethod::Update : sdk::parse_conflict_method(method)};
  const int64_t written = connector.export_data(options, stream.get());
  require(!stream.released(), "export released the input stream, which stays the caller's");
  if (unique_constraints.empty())
    require(written == static_cast<int64_t>(table.rows.size()),
            "export to " + target.describe() + " reported rows_written " + std::to_string(written) + " for " +
                std::to_string(table.rows.size()) + " rows");
  return written;
}

TextTable Kit::load(Connector& connector, const Target& target, std::optional<int64_t> limit,
                    std::optional<int64_t> batch_rows) {
  BatchReader reader =
      connector.load(LoadOptions{.table = target.table, .path = target.path, .limit = limit, .batch_rows = batch_rows});
  return read_all(reader);
}

bool Kit::exists(Connector& connector, const Target& target) {
  if (has(MAGEIO_CAP_TABLE_EXISTS))
    return target.path.empty() ? connector.table_exists(target.table) : connector.path_exists(target.path);
  try {
    BatchReader reader = connector.load(LoadOptions{.table = target.table, .path = target.path, .limit = 0});
    return true;
  } catch (const sdk::Error& error) {
    if (error.status() == MAGEIO_STATUS_NOT_FOUND) return false;
    fail("cannot tell whether " + target.describe() + " exists (no table_exists; a load of it failed with " +
         describe_error(error) + ")");
  }
}

void Kit::expect_content(Connector& connector, const Target& target, const Table& expected,
                         const std::string& context) {
  TextTable actual;
  try {
    actual = load(connector, target);
  } catch (const sdk::Error& error) {
    fail(context + ": loading " + target.describe() + " failed: " + describe_error(error));
  }
  if (auto difference = compare_tables(to_text(expected), actual)) fail(context + ": " + *difference);
}

void Kit::require_message(const std::string& what, const sdk::Error& error) {
  if (!has_message(error))
    fail(what + " failed (" + sdk::status_name(error.status()) + ") without a message: " + error.what());
}

sdk::Error Kit::expect_error(const std::string& what, const std::function<void()>& call,
                             std::initializer_list<MageioStatus> allowed) {
  try {
    call();
  } catch (const sdk::Error& error) {
    if (allowed.size() > 0 && std::find(allowed.begin(), allowed.end(), error.status()) == allowed.end())
      fail(what + " failed with " + describe_error(error) + "; expected " + status_list(allowed));
    require_message(what, error);
    return error;
  }
  fail(what + " succeeded; it must fail" + (allowed.size() > 0 ? " with " + status_list(allowed) : std::string()));
}

std::optional<std::string> Kit::quoted(const std::string& table) {
  const bool simple = !table.empty() && std::all_of(table.begin(), table.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!quote_) return simple ? std::optional<std::string>(table) : std::nullopt;
  const char q = *quote_;
  std::string out(1, q);
  for (char c : table) {
    out += c;
    if (c == q) out += q;
  }
  return out + q;
}

void Kit::detect_quote(const std::string& existing_simple_table) {
  if (quote_probed_ || !has(MAGEIO_CAP_EXECUTE) || !connector_) return;
  quote_probed_ = true;
  for (char q : {'"', '`'}) {
    try {
      ExecuteOutcome outcome =
          connector_->execute("SELECT COUNT(*) FROM " + std::string(1, q) + existing_simple_table + std::string(1, q));
      if (outcome.rows) read_all(*outcome.rows);
      quote_ = q;
      return;
    } catch (const std::exception&) {
    }
  }
}

void Kit::cleanup() {
  set_variant(false, {}, false);
  check("cleanup", [&] {
    std::vector<std::string> problems, left;
    if (!tables_.empty() && connector_ && has(MAGEIO_CAP_EXECUTE) && !quote_probed_) {
      // Learn how this plugin's SQL quotes names, on a table made for that.
      const std::string probe = unique_name();
      try {
        connector_->execute("CREATE TABLE " + probe + " (a INTEGER)");
        remember_table(probe);
        detect_quote(probe);
      } catch (const std::exception&) {
      }
    }
    if (!tables_.empty()) {
      if (!connector_) {
        // Nothing can have been created without an instance.
      } else if (!has(MAGEIO_CAP_EXECUTE)) {
        // Nothing to drop them with; which are left is known once the work directory is gone (below): the
        // tables of a plugin that kept them in the kit's scratch data directory went with it.
      } else {
        for (auto it = tables_.rbegin(); it != tables_.rend(); ++it) {
          auto name = quoted(*it);
          if (!name) {
            left.push_back(*it);
            continue;
          }
          try {
            if (has(MAGEIO_CAP_TABLE_EXISTS) && !connector_->table_exists(*it)) continue;
          } catch (const sdk::Error&) {
            // Drop it anyway.
          }
          try {
            connector_->execute("DROP TABLE IF EXISTS " + *name);
            if (has(MAGEIO_CAP_TABLE_EXISTS) && connector_->table_exists(*it))
              problems.push_back(show(*it) + " still exists after DROP TABLE");
          } catch (const sdk::Error& error) {
            problems.push_back("DROP TABLE " + *name + " failed: " + describe_error(error));
          }
        }
      }
    }
    if (!work_dir_.empty()) {
      std::error_code ec;
      fs::remove_all(work_dir_, ec);
      if (ec) problems.push_back("cannot remove " + work_dir_.string() + ": " + ec.message());
      work_dir_.clear();
    }
    if (!tables_.empty() && connector_ && !has(MAGEIO_CAP_EXECUTE)) {
      for (auto it = tables_.rbegin(); it != tables_.rend(); ++it) {
        Target target{*it, {}};
        try {
          if (exists(*connector_, target)) left.push_back(*it);
        } catch (const std::exception&) {
          left.push_back(*it);
        }
      }
    }
    if (!left.empty()) {
      std::string list;
      for (const auto& table : left) list += (list.empty() ? "" : ", ") + show(table);
      report_.notes.push_back("tables left behind: " + list);
    }
    if (!problems.empty()) {
      std::string list;
      for (size_t i = 0; i < problems.size() && i < 3; ++i) list += (list.empty() ? "" : "; ") + problems[i];
      if (problems.size() > 3) list += "; and " + std::to_string(problems.size() - 3) + " more";
      fail(list);
    }
    if (!left.empty())
      skip(std::to_string(left.size()) + " table(s) left behind: " +
           (has(MAGEIO_CAP_EXECUTE) ? "no identifier quoting worked for DROP TABLE"
                                    : "the plugin cannot execute SQL, so the kit cannot drop them"));
  });
}

}  // namespace mageio::conformance::detail
