// Memory stays flat whatever the row count: a 1M-row load and a 1M-row export each grow this process's
// peak RSS (VmHWM) by far less than the data's size. A behavioural bound, not a timing. Its own
// executable, so that no other test's peak hides or inflates the measurement.
#include "pg_test_support.hpp"

#include <fstream>

using namespace mageio;
using pgtest::q;

namespace {

// Peak resident set size of this process so far, in bytes (VmHWM of /proc/self/status).
int64_t peak_rss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return -1;
}

constexpr int64_t kMaxGrowth = int64_t{64} << 20;

// AddressSanitizer holds freed memory in a quarantine (256 MiB by default), so under it peak RSS says
// nothing about what the code keeps alive: the bound is checked in normal builds only.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssMeaningful = false;
#else
constexpr bool kRssMeaningful = true;
#endif
constexpr int64_t kRows = 1000000;

}  // namespace

TEST_CASE("postgres: a 1M-row load and a 1M-row export keep peak memory flat") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = pgtest::unique_name("memory");
  pgtest::exec(*db,
               "CREATE TABLE " + q(table) +
                   " AS SELECT g::bigint AS id, (g % 1000)::int AS n, g * 0.5::float8 AS x, "
                   "g % 2 = 0 AS flag, 'text value ' || lpad(g::text, 9, '0') AS label, "
                   "timestamp '2020-01-01' + g * interval '1 second' AS at, date '2020-01-01' + (g % 3650) AS day, "
                   "((g % 100000) / 7.0)::numeric(12,2) AS amount FROM generate_series(1, " +
                   std::to_string(kRows) + ") g");

  const int64_t before_load = peak_rss();
  int64_t rows = 0, data_bytes = 0;
  {
    auto reader = db->load({.table = table});
    sdk::OwnedArray batch;
    while (reader.next(batch)) {
      rows += batch.array.length;
      data_bytes += batch.array.length * 60;  // roughly what the batch holds
    }
  }
  const int64_t load_growth = peak_rss() - before_load;
  CHECK(rows == kRows);
  MESSAGE("load of " << rows << " rows (~" << data_bytes / (1 << 20) << " MiB of data): peak RSS grew by "
                     << load_growth / 1024 << " KiB");
  if (kRssMeaningful) CHECK(load_growth < kMaxGrowth);

  const int64_t before_export = peak_rss();
  {
    auto reader = db->load({.table = table});
    CHECK(db->export_data({.table = table + "_copy"}, reader.stream()) == kRows);
  }
  const int64_t export_growth = peak_rss() - before_export;
  MESSAGE("copy of " << kRows << " rows into a new table: peak RSS grew by " << export_growth / 1024 << " KiB");
  if (kRssMeaningful) CHECK(export_growth < kMaxGrowth);
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM (SELECT * FROM " + q(table) + " EXCEPT SELECT * FROM " +
                                q(table + "_copy") + ") x") == "0");
  pgtest::exec(*db, "DROP TABLE " + q(table) + ", " + q(table + "_copy"));
}
