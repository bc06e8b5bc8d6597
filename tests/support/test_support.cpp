#include "test_support.hpp"

#include <mageio/core/partitioned_copy.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace fs = std::filesystem;

namespace mageio::test {

TempDir::TempDir() {
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path candidate = fs::temp_directory_path() / ("mageio-test-" + std::to_string(random()));
    std::error_code ec;
    if (fs::create_directory(candidate, ec)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {

// How long one command of a test may run: MAGEIO_TEST_COMMAND_TIMEOUT seconds, 300 by default (the
// slowest command of the suites takes a few seconds; under the sanitizers, a few times more).
std::chrono::seconds command_timeout() {
  const char* text = std::getenv("MAGEIO_TEST_COMMAND_TIMEOUT");
  const long seconds = text != nullptr ? std::strtol(text, nullptr, 10) : 0;
  return std::chrono::seconds(seconds > 0 ? seconds : 300);
}

// The processes started by `pid`, and theirs (an --isolate child, a plugin's helper), from /proc.
std::vector<pid_t> descendants(pid_t pid) {
  std::vector<pid_t> found{pid};
  for (size_t i = 0; i < found.size(); ++i) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream stat(entry.path() / "stat");
      std::string line;
      std::getline(stat, line);
      const size_t close = line.rfind(')');
      if (close == std::string::npos) continue;
      std::istringstream fields(line.substr(close + 2));
      char state = 0;
      pid_t parent = 0;
      fields >> state >> parent;
      if (parent == found[i]) found.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return found;
}

std::string output_of(const std::string& shell_command) {
  std::string text;
  if (FILE* pipe = popen(shell_command.c_str(), "r")) {
    char line[4096];
    while (fgets(line, sizeof line, pipe) != nullptr) text += line;
    pclose(pipe);
  }
  return text;
}

// What a command that did not end was doing: every thread's stack of it and of its children, by gdb
// (on the test machines), so that a hang in CI shows where it waits instead of only that it timed out.
std::string stacks_of(pid_t pid) {
  std::string report;
  for (pid_t process : descendants(pid)) {
    report += "--- threads of process " + std::to_string(process) + " ---\n";
    const std::string command = "gdb -p " + std::to_string(process) +
                                " -batch -nx -ex 'thread apply all bt' 2>&1 </dev/null | grep -E '^(Thread|#)'";
    report += output_of(command);
  }
  // A client waiting on the server: what the test MariaDB's sessions are doing (the password goes through
  // the environment, never the command line).
  if (std::getenv("MAGEIO_TEST_MYSQL_PORT") != nullptr && std::getenv("MAGEIO_TEST_MYSQL_PASSWORD") != nullptr) {
    setenv("MYSQL_PWD", std::getenv("MAGEIO_TEST_MYSQL_PASSWORD"), 1);
    report +=
        "--- MariaDB's SHOW FULL PROCESSLIST ---\n" +
        output_of(std::string("mariadb --no-defaults -h 127.0.0.1 -P ") + std::getenv("MAGEIO_TEST_MYSQL_PORT") +
                  " -u " + (std::getenv("MAGEIO_TEST_MYSQL_USER") ? std::getenv("MAGEIO_TEST_MYSQL_USER") : "root") +
                  " -e 'SHOW FULL PROCESSLIST' 2>&1 </dev/null");
  }
  return report;
}

}  // namespace

CommandResult run_program(const std::vector<std::string>& argv, const fs::path& cwd,
                          const std::map<std::string, std::string>& env, const std::string& input) {
  // O_CLOEXEC: a command started at the same time from another thread of the test must not inherit these
  // ends (it would hold this command's output open past its exit).
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    for (const auto& [key, value] : env) setenv(key.c_str(), value.c_str(), 1);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Feed stdin and drain both outputs together so neither side blocks on a full pipe.
  size_t written = 0;
  if (input.empty()) close(in_pipe[1]);
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  CommandResult result;
  bool out_open = true, err_open = true, in_open = !input.empty();
  char buffer[65536];
  const auto deadline = std::chrono::steady_clock::now() + command_timeout();
  std::string timed_out;
  while (out_open || err_open) {
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out_pipe[0], POLLIN, 0});
    if (err_open) fds.push_back({err_pipe[0], POLLIN, 0});
    if (in_open) fds.push_back({in_pipe[1], POLLOUT, 0});
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (ready < 0) break;
    if (ready == 0) {
      // A hung command: record where it waits, then end it (and what it started) so the suite goes on.
      timed_out = "\n*** the command did not end within " + std::to_string(command_timeout().count()) +
                  " s (MAGEIO_TEST_COMMAND_TIMEOUT); its threads:\n" + stacks_of(pid);
      for (pid_t process : descendants(pid)) kill(process, SIGKILL);
      std::string command;
      for (const auto& arg : argv) command += (command.empty() ? "" : " ") + arg;
      std::cerr << "test support: killed " << command << timed_out << std::flush;
      break;
    }
    for (const auto& fd : fds) {
      if (fd.revents == 0) continue;
      if (fd.fd == in_pipe[1]) {
        ssize_t n = write(in_pipe[1], input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 || written == input.size()) {
          close(in_pipe[1]);
          in_open = false;
        }
        continue;
      }
      ssize_t n = read(fd.fd, buffer, sizeof buffer);
      if (n <= 0) {
        (fd.fd == out_pipe[0] ? out_open : err_open) = false;
        continue;
      }
      (fd.fd == out_pipe[0] ? result.out : result.err).append(buffer, static_cast<size_t>(n));
    }
  }
  if (in_open) close(in_pipe[1]);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.killed_by = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  result.err += timed_out;
  return result;
}

CommandResult run_cli(const std::vector<std::string>& args, const fs::path& cwd,
                      const std::map<std::string, std::string>& env, const std::string& input) {
  std::vector<std::string> argv{MAGEIO_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, cwd, env, input);
}

CommandResult run_cli_stopped_by_signal(const std::vector<std::string>& args, const fs::path& fifo,
                                        const std::string& head, int signal_number, const fs::path& cwd,
                                        const std::map<std::string, std::string>& env) {
  if (mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed: " + std::string(strerror(errno)));
  TempDir outputs;
  const fs::path out_path = outputs / "stdout";
  const fs::path err_path = outputs / "stderr";
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int null_in = open("/dev/null", O_RDONLY);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (null_in < 0 || out < 0 || err < 0) _exit(127);
    dup2(null_in, 0);
    dup2(out, 1);
    dup2(err, 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    for (const auto& [key, value] : env) setenv(key.c_str(), value.c_str(), 1);
    std::vector<std::string> argv{MAGEIO_CLI_PATH, "--progress"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> pointers;
    for (auto& arg : argv) pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    execv(pointers[0], pointers.data());
    _exit(127);
  }
  // Opening for writing waits until the command opens its input; a command that fails before that
  // (a bad argument) would leave us waiting, so open without blocking and retry until it has exited.
  int writer = -1;
  for (int attempt = 0; attempt < 2000 && writer < 0; ++attempt) {
    writer = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (writer >= 0) break;
    if (waitpid(pid, nullptr, WNOHANG) == pid) throw std::runtime_error("the command ended before reading its input");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (writer < 0) throw std::runtime_error("the command never opened its input FIFO");
  fcntl(writer, F_SETFL, fcntl(writer, F_GETFL) & ~O_NONBLOCK);
  for (size_t written = 0; written < head.size();) {
    const ssize_t n = write(writer, head.data() + written, head.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  // The progress line says "rows" once the destination has taken a batch.
  for (int wait = 0; wait < 2000 && read_file(err_path).find("rows") == std::string::npos; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill(pid, signal_number);
  int status = 0;
  waitpid(pid, &status, 0);
  close(writer);
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.killed_by = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

std::string describe(const CommandResult& result) {
  return "exit " + std::to_string(result.exit_code) + " killed_by " + std::to_string(result.killed_by) +
         "\n--- stdout ---\n" + result.out + "--- stderr ---\n" + result.err;
}

std::string id_name_csv(int rows) {
  std::string text = "id,name\n";
  for (int i = 0; i < rows; ++i) text += std::to_string(i) + ",name " + std::to_string(i) + "\n";
  return text;
}

std::vector<std::string> directory_entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string mage_template_config() {
  return read_file(fs::path(MAGEIO_SOURCE_DIR) / "tests" / "fixtures" / "mage_io_config.yaml");
}

int line_of(const std::string& text, const std::string& prefix) {
  int line = 1;
  for (size_t start = 0; start < text.size(); ++line) {
    if (text.compare(start, prefix.size(), prefix) == 0) return line;
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return 0;
}

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << content;
}

Registry bundled_registry() {
  return Registry(
      RegistryOptions{.plugin_dirs = {MAGEIO_PLUGIN_DIR}, .use_environment = false, .use_default_dirs = false});
}

bool servers_available() {
  if (std::getenv("MAGEIO_TEST_SERVERS") != nullptr) return true;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string(ci) == "true") {
    FAIL(
        "the test servers are not running (CI=true, so this is a failure, not a skip): run the suite through "
        "tools/test.sh, which starts PostgreSQL and MariaDB");
    return false;
  }
  MESSAGE("test servers not running; this case needs them (run tools/test.sh, which starts them)");
  return false;
}

std::optional<std::string> server_env(const std::string& name) {
  if (!servers_available()) return std::nullopt;
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    FAIL("MAGEIO_TEST_SERVERS is set but " << name << " is not");
    return std::nullopt;
  }
  return std::string(value);
}

namespace {

class FunctionSource : public sdk::BatchSource {
 public:
  FunctionSource(sdk::Schema schema, std::function<bool(sdk::BatchBuilder&, int)> fill, int fail_at_batch)
      : builder_(schema), schema_(std::move(schema)), fill_(std::move(fill)), fail_at_batch_(fail_at_batch) {}
  const sdk::Schema& schema() const override { return schema_; }
  bool next(ArrowArray* out) override {
    if (batch_ == fail_at_batch_) throw sdk::invalid_argument("test source fails at batch " + std::to_string(batch_));
    if (done_) return false;
    done_ = !fill_(builder_, batch_++);
    if (done_ && builder_.rows() == 0) return false;
    builder_.finish(out);
    return true;
  }

 private:
  sdk::BatchBuilder builder_;
  sdk::Schema schema_;
  std::function<bool(sdk::BatchBuilder&, int)> fill_;
  int fail_at_batch_;
  int batch_ = 0;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<sdk::BatchSource> make_source(sdk::Schema schema, std::function<bool(sdk::BatchBuilder&, int)> fill,
                                              int fail_at_batch) {
  return std::make_unique<FunctionSource>(std::move(schema), std::move(fill), fail_at_batch);
}

OwnedStream::OwnedStream(std::unique_ptr<sdk::BatchSource> source) { sdk::export_stream(std::move(source), &stream); }

OwnedStream::~OwnedStream() {
  if (stream.release) stream.release(&stream);
}

std::vector<std::vector<std::string>> read_all_text(BatchReader& reader) {
  std::vector<std::vector<std::string>> rows;
  sdk::OwnedArray batch;
  while (reader.next(batch)) {
    sdk::BatchView view(batch.array, reader.schema());
    for (int64_t r = 0; r < view.rows(); ++r) {
      std::vector<std::string> row;
      for (size_t c = 0; c < view.column_count(); ++c)
        row.push_back(view.column(c).is_null(r) ? "NULL" : view.column(c).to_text(r));
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::shared_ptr<HostCallbacks> HostLogs::callbacks() {
  auto host = std::make_shared<HostCallbacks>();
  host->on_log = [this](int32_t, const std::string& message) {
    std::lock_guard lock(mutex);
    lines.push_back(message);
  };
  return host;
}

bool HostLogs::has(const std::string& text) {
  std::lock_guard lock(mutex);
  for (const auto& line : lines)
    if (line.find(text) != std::string::npos) return true;
  return false;
}

int64_t copy_within(const OpenOn& open, const CopySource& source, const ExportOptions& into,
                    std::shared_ptr<HostCallbacks> destination_host) {
  PartitionedLoadOptions load;
  load.plan.load.table = source.table;
  load.plan.load.query = source.query;
  load.plan.partitions = source.partitions;
  load.plan.partition_on = source.partition_on;
  return partitioned_copy({.source = open(nullptr),
                           .open_source = [&] { return open(nullptr); },
                           .destination = open(std::move(destination_host)),
                           .open_destination = [&] { return open(nullptr); }},
                          load, into);
}

}  // namespace mageio::test
