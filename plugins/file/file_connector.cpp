#include "file_connector.hpp"

#include <mageio/sdk/atomic_file.hpp>
#include <mageio/sdk/export_input.hpp>
#include "csv_source.hpp"
#include "csv_writer.hpp"
#include "file_options.hpp"
#include "file_partitions.hpp"
#include "input_file.hpp"
#include "jsonl_reader.hpp"
#include "jsonl_writer.hpp"
#include "text_util.hpp"

#include <mageio/sdk/plugin.hpp>

#include <sys/stat.h>
#include <cerrno>

namespace mageio::file {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + quote_for_message(n, 100);
  return out;
}

}  // namespace

sdk::PluginInfo FileConnector::info() {
  sdk::PluginInfo info;
  info.name = "file";
  info.version = "0.1.0";
  info.description = "CSV, TSV and JSON Lines files on the local file system";
  info.capabilities =
      MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT | MAGEIO_CAP_TABLE_EXISTS | MAGEIO_CAP_PATHS | MAGEIO_CAP_PARTITIONS;
  info.config_section = "";
  sdk::ConfigKey delimiter;
  delimiter.name = "FILE_DELIMITER";
  delimiter.type = sdk::ConfigType::String;
  delimiter.default_value = ",";
  delimiter.description =
      "CSV field delimiter, one character (\"\\t\" or \"tab\" for a tab); .tsv files and options.delimiter "
      "override it";
  info.config_keys = {delimiter};
  // What survives export -> load with inference (file_connector.hpp says what does not).
  info.supported_types = {"bool", "int64", "float64", "utf8", "date32", "timestamp[us]", "timestamp[us, UTC]"};
  return info;
}

FileConnector::FileConnector(const sdk::Config& config, sdk::Host& host) : host_(host) {
  std::string d = config.get_string("FILE_DELIMITER");
  delimiter_ = d.empty() ? ',' : parse_delimiter(d, "FILE_DELIMITER");
}

std::unique_ptr<sdk::BatchSource> FileConnector::load(const sdk::LoadRequest& request) {
  LoadSettings settings = load_settings(request, delimiter_);
  if (settings.format == Format::Jsonl) return open_jsonl_source(settings, host_);
  return open_csv_source(settings, host_);
}

std::vector<std::string> FileConnector::plan_partitions(const sdk::PlanRequest& request) {
  return plan_file_partitions(request, delimiter_, host_);
}

std::unique_ptr<sdk::BatchSource> FileConnector::load_partition(const std::string& descriptor) {
  return load_file_partition(descriptor, delimiter_, host_);
}

bool FileConnector::table_exists(const sdk::Target& target) {
  std::string path = require_path(target);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return S_ISREG(st.st_mode);
}

int64_t FileConnector::export_data(const sdk::ExportRequest& request, sdk::StreamReader& input) {
  ExportSettings s = export_settings(request, delimiter_);
  const std::string& path = s.path;
  const sdk::Schema& schema = input.schema();
  sdk::ColumnNaming naming;
  naming.empty_allowed = true;  // a CSV header may have an empty field
  sdk::check_export_input(schema, {}, path, naming);

  if (path == kStdioPath) return write_all(s, input, sdk::AtomicFile::Mode::Stream, s.csv.header);

  struct stat st {};
  bool exists = false;
  if (::stat(path.c_str(), &st) == 0) {
    exists = true;
    if (S_ISDIR(st.st_mode)) throw sdk::invalid_argument(path + " is a directory, not a file");
    // A device, FIFO or pipe (/dev/null, /dev/fd/N of a process substitution) is written directly, as
    // it goes, like standard output: there is no file to replace atomically, and if_exists does not
    // apply (it always exists).
    if (!S_ISREG(st.st_mode)) return write_all(s, input, sdk::AtomicFile::Mode::Direct, s.csv.header);
  } else if (errno != ENOENT) {
    // A missing directory is reported (naming it) when the file is opened; other errors here.
    if (errno != ENOTDIR) throw sdk::io_error("cannot stat " + path + ": " + describe_errno(errno));
  }
  if (exists && s.if_exists == sdk::IfExists::Fail) {
    throw sdk::already_exists(path + " already exists (if_exists is fail; use replace or append)");
  }

  sdk::AtomicFile::Mode mode =
      s.if_exists == sdk::IfExists::Replace ? sdk::AtomicFile::Mode::Replace : sdk::AtomicFile::Mode::Create;
  bool write_header = s.csv.header;
  if (s.if_exists == sdk::IfExists::Append && exists) {
    mode = sdk::AtomicFile::Mode::Append;
    if (st.st_size > 0 && s.format == Format::Csv) {
      bool found = false;
      std::vector<std::string> existing = read_csv_header(path, s.csv.delimiter, found);
      if (found) {
        write_header = false;
        if (s.csv.header) {
          std::vector<std::string> ours;
          for (const auto& f : schema) ours.push_back(f.name);
          if (existing != ours) {
            throw sdk::invalid_argument("cannot append to " + path + ": its header (" + join(existing) +
                                        ") does not match the columns being written (" + join(ours) + ")");
          }
        } else if (existing.size() != schema.size()) {
          throw sdk::invalid_argument("cannot append to " + path + ": its first row has " +
                                      std::to_string(existing.size()) + " fields but " + std::to_string(schema.size()) +
                                      " columns are being written");
        }
      }
    }
  }

  return write_all(s, input, mode, write_header);
}

int64_t FileConnector::write_all(const ExportSettings& s, sdk::StreamReader& input, sdk::AtomicFile::Mode mode,
                                 bool write_header) {
  const sdk::Schema& schema = input.schema();
  sdk::AtomicFile out(s.path, mode);
  if (mode == sdk::AtomicFile::Mode::Append && out.last_byte() >= 0 && out.last_byte() != '\n') out.write("\n");

  std::unique_ptr<CsvWriter> csv;
  std::unique_ptr<JsonlWriter> jsonl;
  if (s.format == Format::Csv) {
    csv = std::make_unique<CsvWriter>(out, schema, s.csv);
    if (write_header) csv->write_header();
  } else {
    jsonl = std::make_unique<JsonlWriter>(out, schema);
  }

  int64_t rows = 0;
  sdk::OwnedArray batch;
  for (;;) {
    host_.check_cancelled();
    if (!input.next(batch)) break;
    sdk::BatchView view(batch.array, schema);
    if (csv) {
      csv->write_batch(view);
    } else {
      jsonl->write_batch(view);
    }
    rows += view.rows();
    host_.progress(rows, out.bytes_written(), -1);
  }
  host_.check_cancelled();
  out.commit();
  return rows;
}

}  // namespace mageio::file

MAGEIO_PLUGIN(mageio::file::FileConnector)
