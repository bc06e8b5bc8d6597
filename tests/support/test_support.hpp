// Helpers shared by the doctest suites: temporary directories, running the real CLI, reading the test
// servers' addresses, and making Arrow input streams from rows written in the test.
#pragma once

#include <mageio/core/connector.hpp>
#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/batch_source.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mageio::test {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  /// The exit status; 128 + n when the process was killed by signal n (then `killed_by` is n too).
  int exit_code = -1;
  std::string out;
  std::string err;
  /// The signal that killed the process, 0 when it exited by itself (a handled SIGTERM exits with 143
  /// and killed_by == 0; an unhandled one has killed_by == SIGTERM).
  int killed_by = 0;
};

/// Runs build/bin/mageio with `args` (no shell involved), in `cwd` if given, with `env` added to the
/// environment, feeding `input` on stdin. Captures stdout and stderr.
CommandResult run_cli(const std::vector<std::string>& args, const std::filesystem::path& cwd = {},
                      const std::map<std::string, std::string>& env = {}, const std::string& input = {});

/// Runs any program the same way.
CommandResult run_program(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {},
                          const std::map<std::string, std::string>& env = {}, const std::string& input = {});

/// Runs the CLI with its input coming from a FIFO and stops it with a signal in the middle of the work:
/// creates the FIFO `fifo` (pass the same path in `args`, e.g. `--input FIFO`), starts the CLI with
/// `--progress`, writes `head` into the FIFO, waits until the command reports rows on its progress line
/// (or 20 s), sends `signal_number` while the FIFO is still open for writing (so the command never sees
/// the end of its input), and returns how it ended. This is how a test proves that SIGINT, SIGTERM and
/// SIGHUP leave a destination as it was.
CommandResult run_cli_stopped_by_signal(const std::vector<std::string>& args, const std::filesystem::path& fifo,
                                        const std::string& head, int signal_number,
                                        const std::filesystem::path& cwd = {},
                                        const std::map<std::string, std::string>& env = {});

/// The exit status, how the process ended, and both outputs: the message of a failing check.
std::string describe(const CommandResult& result);

/// A CSV text: the header `id,name` and `rows` rows `<i>,name <i>` (i from 0).
std::string id_name_csv(int rows);

/// The names of the entries of `dir`, sorted: to show that an operation left nothing behind.
std::vector<std::string> directory_entries(const std::filesystem::path& dir);

/// tests/fixtures/mage_io_config.yaml: an io_config.yaml in the shape of Mage's repository template,
/// with env_var templates whose variables (MAGEIO_T_*) are normally not set.
std::string mage_template_config();

/// The 1-based number of the first line of `text` that starts with `prefix` (0 when none).
int line_of(const std::string& text, const std::string& prefix);

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);

/// A registry that sees only the bundled plugins of this build (no environment, no default dirs).
Registry bundled_registry();

/// The value of an environment variable the test-server script exports (MAGEIO_TEST_PG_PORT ...).
/// When the servers are not running: under CI=true the test FAILS (a missing server is a failure there);
/// elsewhere the calling test case is skipped with a message saying how to run it
/// (tools/test.sh starts the servers). Returns nullopt in that case; callers return at once.
std::optional<std::string> server_env(const std::string& name);

/// Whether the test servers are available (see server_env); FAILs under CI=true when they are not.
bool servers_available();

/// A BatchSource over batches built by `fill(builder, batch_index)`, which appends rows and returns
/// false when there are no more batches. If `fail_at_batch` >= 0, next() throws at that batch, to test
/// that a failed export leaves the destination as it was.
std::unique_ptr<sdk::BatchSource> make_source(sdk::Schema schema, std::function<bool(sdk::BatchBuilder&, int)> fill,
                                              int fail_at_batch = -1);

/// Wraps make_source into an ArrowArrayStream the caller owns (release it, or use OwnedStream).
struct OwnedStream {
  ArrowArrayStream stream{};
  OwnedStream() = default;
  explicit OwnedStream(std::unique_ptr<sdk::BatchSource> source);
  OwnedStream(const OwnedStream&) = delete;
  OwnedStream& operator=(const OwnedStream&) = delete;
  ~OwnedStream();
  ArrowArrayStream* get() { return &stream; }
};

/// Every row of a reader as text cells ("NULL" for null), for easy comparison in tests.
std::vector<std::vector<std::string>> read_all_text(BatchReader& reader);

/// An input stream of `rows` rows built by `fill(builder, row)`, in batches of `batch_rows`; batch number
/// `fail_at_batch` (0-based) fails instead of being produced, and `on_batch(index)` runs before each batch.
inline OwnedStream rows_stream(sdk::Schema schema, int64_t rows, std::function<void(sdk::BatchBuilder&, int64_t)> fill,
                               int64_t batch_rows = 10000, int fail_at_batch = -1,
                               std::function<void(int)> on_batch = {}) {
  auto next = std::make_shared<int64_t>(0);
  return OwnedStream(make_source(
      std::move(schema),
      [=](sdk::BatchBuilder& builder, int index) {
        if (on_batch) on_batch(index);
        for (int64_t n = 0; n < batch_rows && *next < rows; ++n, ++*next) {
          fill(builder, *next);
          builder.end_row();
        }
        return *next < rows;
      },
      fail_at_batch));
}

/// Catches the host's Error from `call` and returns it (FAILs when nothing was thrown).
template <typename Call>
Error error_of(Call&& call) {
  try {
    call();
  } catch (const Error& error) {
    return error;
  }
  FAIL("expected an error");
  return Error(MAGEIO_STATUS_OK, "");
}

/// The log lines a connector sends to its host, collected from any thread (partitions log from theirs).
struct HostLogs {
  std::mutex mutex;
  std::vector<std::string> lines;
  /// Host callbacks whose on_log appends here; `this` must outlive every connector opened with them.
  std::shared_ptr<HostCallbacks> callbacks();
  /// Whether a line holds `text`.
  bool has(const std::string& text);
};

/// Opens a connector on the server a test copies within; `host` may be null.
using OpenOn = std::function<std::unique_ptr<Connector>(std::shared_ptr<HostCallbacks> host)>;

/// What a partitioned copy within one server reads: `table`, or `query` split on `partition_on`.
struct CopySource {
  std::string table;
  std::string query;
  int64_t partitions = 1;
  std::string partition_on;
};

/// mageio::partitioned_copy from and into the server `open` opens connectors on: a planner and the
/// destination (opened with `destination_host`), then one more of each per partition.
int64_t copy_within(const OpenOn& open, const CopySource& source, const ExportOptions& into,
                    std::shared_ptr<HostCallbacks> destination_host = nullptr);

}  // namespace mageio::test
