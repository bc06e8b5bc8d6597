// Export-only benchmark driver: streams N generated rows (the same values bench_postgres.sh puts in
// bench_t) as Arrow batches into a table through the real host and the postgres plugin, so that the
// export path alone can be compared with psql's \copy FROM a binary file. Built by bench_postgres.sh.
//
//   bench_export PLUGIN_DIR IO_CONFIG TABLE ROWS
#include <mageio/core/connector.hpp>
#include <mageio/core/io_config.hpp>
#include <mageio/core/registry.hpp>
#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/batch_source.hpp>

#include <iostream>

namespace sdk = mageio::sdk;

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
const int64_t kStart2020 = 1577836800 * kMicrosPerSecond;  // 2020-01-01 00:00:00
const int32_t kDay2000 = 10957;                            // 2000-01-01 in days since 1970

class GeneratedRows : public sdk::BatchSource {
 public:
  explicit GeneratedRows(int64_t rows)
      : rows_(rows),
        schema_{{"id", sdk::int64()},          {"qty", sdk::int32()},        {"price", sdk::float64()},
                {"flag", sdk::bool_type()},    {"label", sdk::utf8()},       {"created_at", sdk::timestamp_us()},
                {"day", sdk::date32()},        {"amount", sdk::decimal128(12, 2)}},
        builder_(schema_) {}
  const sdk::Schema& schema() const override { return schema_; }
  bool next(ArrowArray* out) override {
    if (next_ > rows_) return false;
    // "item-" and g zero-padded to 15 digits, as lpad(g::text, 15, '0') (formatted by hand: the
    // driver's own cost should stay small next to the export it measures).
    char label[20] = {'i', 't', 'e', 'm', '-'};
    for (int64_t n = 0; n < sdk::kDefaultBatchRows && next_ <= rows_; ++n, ++next_) {
      const int64_t g = next_;
      builder_.column(0).append_int(g);
      builder_.column(1).append_int(g % 100000);
      builder_.column(2).append_double(static_cast<double>(g) * 1.25);
      builder_.column(3).append_bool(g % 3 == 0);
      uint64_t digits = static_cast<uint64_t>(g);
      for (int i = 19; i >= 5; --i, digits /= 10) label[i] = static_cast<char>('0' + digits % 10);
      builder_.column(4).append_string(std::string_view(label, sizeof label));
      builder_.column(5).append_timestamp_us(kStart2020 + g * kMicrosPerSecond);
      builder_.column(6).append_date32(kDay2000 + static_cast<int32_t>(g % 10000));
      builder_.column(7).append_decimal(g % 1000000);
      builder_.end_row();
    }
    builder_.finish(out);
    return true;
  }

 private:
  int64_t rows_;
  int64_t next_ = 1;
  sdk::Schema schema_;
  sdk::BatchBuilder builder_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: bench_export PLUGIN_DIR IO_CONFIG TABLE ROWS\n";
    return 2;
  }
  try {
    mageio::Registry registry({.plugin_dirs = {argv[1]}, .use_environment = false, .use_default_dirs = false});
    auto plugin = registry.find("postgres");
    auto config = mageio::IoConfig::load_file(argv[2]);
    auto db = plugin->open(config.profile("default").config_for("postgres", plugin->config_schema()));
    ArrowArrayStream stream{};
    sdk::export_stream(std::make_unique<GeneratedRows>(std::stoll(argv[4])), &stream);
    int64_t rows = db->export_data({.table = argv[3], .if_exists = "replace"}, &stream);
    stream.release(&stream);
    std::cerr << "exported " << rows << " rows\n";
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "bench_export: " << error.what() << "\n";
    return 1;
  }
}
