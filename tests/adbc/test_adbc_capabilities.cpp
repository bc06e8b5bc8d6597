// What an adbc instance declares (ABI 1.1 instance_capabilities) is what its driver does, probed at open:
// the sqlite and postgresql drivers everything but partitions; the Flight SQL driver against a server
// without bulk ingest (arrow-go's example, tools/with-test-servers.sh) no export and no upsert, and an
// export there is refused by the host before the plugin is called: nothing is read, nothing created.
#include "adbc_test_support.hpp"

#include <mageio/sdk/descriptor.hpp>

namespace {

const uint64_t kSqlDatabase = MAGEIO_CAP_LOAD | MAGEIO_CAP_LOAD_QUERY | MAGEIO_CAP_EXECUTE | MAGEIO_CAP_TABLE_EXISTS |
                              MAGEIO_CAP_TABLES | MAGEIO_CAP_EXPORT | MAGEIO_CAP_UPSERT | MAGEIO_CAP_EXECUTE_QUERIES |
                              MAGEIO_CAP_TRANSACTIONS;

std::string names(uint64_t bits) { return mageio::sdk::capability_list(bits); }

// One int64 column; counts the batches the export pulled.
mageio::test::OwnedStream counted_rows(int& batches_read) {
  return mageio::test::rows_stream(
      {{"id", mageio::sdk::int64(), false}}, 3,
      [](mageio::sdk::BatchBuilder& b, int64_t row) { b.column(0).append_int(row); }, 10000, -1,
      [&batches_read](int) { ++batches_read; });
}

}  // namespace

TEST_CASE("the sqlite driver declares all the bridge does but partitions, and exports") {
  auto plugin = adbctest::plugin_with("sqlite");
  if (!plugin) return;
  mageio::test::TempDir dir;
  auto connector = plugin->open(adbctest::sqlite_config(dir / "caps.db"));
  CHECK(names(connector->capabilities()) == names(kSqlDatabase));
  int batches = 0;
  auto input = counted_rows(batches);
  CHECK(connector->export_data({.table = "t"}, input.get()) == 3);
  CHECK(connector->table_exists("t"));
}

TEST_CASE("the postgresql driver declares all the bridge does but partitions") {
  auto uri = adbctest::postgres_uri();
  if (!uri) return;
  auto plugin = adbctest::plugin_with("postgresql");
  if (!plugin) return;
  for (bool isolate : {false, true}) {
    CAPTURE(isolate);
    auto connector = plugin->open(adbctest::postgres_config(*uri), nullptr, {}, {.isolate = isolate});
    CHECK(names(connector->capabilities()) == names(kSqlDatabase));
  }
}

TEST_CASE("Flight SQL without bulk ingest: export is not declared and is refused before any I/O") {
  auto uri = adbctest::flightsql_uri();
  if (!uri) return;
  auto plugin = adbctest::plugin_with("flightsql");
  if (!plugin) return;
  const boost::json::object config = {{"ADBC_DRIVER", *adbctest::driver_library("flightsql")}, {"ADBC_URI", *uri}};
  for (bool isolate : {false, true}) {
    CAPTURE(isolate);
    auto connector = plugin->open(config, nullptr, {}, {.isolate = isolate});
    // The driver takes the ingest option, but the server answers a zero-row ingest NOT_IMPLEMENTED; it
    // partitions, has transactions and a catalog.
    CHECK(names(connector->capabilities()) ==
          names(MAGEIO_CAP_LOAD | MAGEIO_CAP_LOAD_QUERY | MAGEIO_CAP_EXECUTE | MAGEIO_CAP_TABLE_EXISTS |
                MAGEIO_CAP_TABLES | MAGEIO_CAP_EXECUTE_QUERIES | MAGEIO_CAP_TRANSACTIONS | MAGEIO_CAP_PARTITIONS));
    const std::string table = kittest::unique_prefix("adbc_caps") + "t";
    int batches = 0;
    auto input = counted_rows(batches);
    const auto refused = mageio::test::error_of([&] { connector->export_data({.table = table}, input.get()); });
    CHECK(refused.status() == MAGEIO_STATUS_NOT_IMPLEMENTED);
    CHECK(std::string(refused.what()).starts_with("plugin adbc does not support export on this instance"));
    CHECK(batches == 0);  // the input was never read: the plugin was not called
    CHECK_FALSE(connector->table_exists(table));
    // What it declares works: a transaction of statements, and a load.
    CHECK(connector->execute_queries(
              {"CREATE TABLE " + table + " (id INTEGER)", "INSERT INTO " + table + " VALUES (7)"}) != 0);
    auto rows = connector->load({.table = table});
    CHECK(mageio::test::read_all_text(rows) == std::vector<std::vector<std::string>>{{"7"}});
    connector->execute("DROP TABLE " + table);
  }
}
