// Export-only benchmark driver: streams N generated rows -- the values bench/run.sh puts in bench_src --
// as Arrow batches through the real host into a plugin's table (if_exists replace). `mageio export` reads
// a CSV file first; this measures the export path alone, next to the same baselines, which tells whether
// a gap comes from parsing the CSV or from writing to the server. Compiled by bench/run.sh.
//
//   export_driver PLUGIN_DIR IO_CONFIG PLUGIN TABLE ROWS
#include <mageio/core/connector.hpp>
#include <mageio/core/io_config.hpp>
#include <mageio/core/registry.hpp>
#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/batch_source.hpp>

#include <iostream>

namespace sdk = mageio::sdk;

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kStart2020 = 1577836800 * kMicrosPerSecond;  // 2020-01-01 00:00:00
constexpr int32_t kDay2000 = 10957;                            // 2000-01-01 in days since 1970

// Row g (1-based) is the one bench/run.sh generates with generate_series; keep the two in step (the
// benchmark compares the exported table's fingerprint with bench_src's, so a drift fails the run).
class GeneratedRows : public sdk::BatchSource {
 public:
  explicit GeneratedRows(int64_t rows)
      : rows_(rows),
        schema_{{"id", sdk::int64()},      {"qty", sdk::int32()},
                {"price", sdk::float64()}, {"flag", sdk::bool_type()},
                {"label", sdk::utf8()},    {"created_at", sdk::timestamp_us()},
                {"day", sdk::date32()},    {"amount", sdk::decimal128(12, 2)}},
        builder_(schema_) {}
  const sdk::Schema& schema() const override { return schema_; }
  bool next(ArrowArray* out) override {
    if (next_ > rows_) return false;
    // "item-" and g zero-padded to 15 digits, as 'item-' || lpad(g::text, 15, '0'); formatted by hand so
    // that the driver's own cost stays small next to the export it measures.
    char label[20] = {'i', 't', 'e', 'm', '-'};
    for (int64_t n = 0; n < sdk::kDefaultBatchRows && next_ <= rows_; ++n, ++next_) {
      const int64_t g = next_;
      builder_.column(0).append_int(g);
      builder_.column(1).append_int(g * 7919 % 100000 - 50000);
      // Division is correctly rounded, as PostgreSQL's numeric -> double cast is: the same double.
      builder_.column(2).append_double(static_cast<double>(g % 1000003) / 100.0);
      builder_.column(3).append_bool(g % 3 == 0);
      uint64_t digits = static_cast<uint64_t>(g);
      for (int i = 19; i >= 5; --i, digits /= 10) label[i] = static_cast<char>('0' + digits % 10);
      builder_.column(4).append_string(std::string_view(label, sizeof label));
      builder_.column(5).append_timestamp_us(kStart2020 + g * 37 * kMicrosPerSecond + g * 13 % 1000000);
      builder_.column(6).append_date32(kDay2000 + static_cast<int32_t>(g % 10000));
      builder_.column(7).append_decimal(g * 104729 % 100000000 - 40000000);  // unscaled, scale 2
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
  if (argc != 6) {
    std::cerr << "usage: export_driver PLUGIN_DIR IO_CONFIG PLUGIN TABLE ROWS\n";
    return 2;
  }
  try {
    mageio::Registry registry({.plugin_dirs = {argv[1]}, .use_environment = false, .use_default_dirs = false});
    auto plugin = registry.find(argv[3]);
    auto config = mageio::IoConfig::load_file(argv[2]);
    auto db = plugin->open(config.profile("default").config_for(argv[3], plugin->config_schema()));
    ArrowArrayStream stream{};
    sdk::export_stream(std::make_unique<GeneratedRows>(std::stoll(argv[5])), &stream);
    int64_t rows = db->export_data({.table = argv[4], .if_exists = mageio::IfExists::Replace}, &stream);
    stream.release(&stream);
    std::cout << rows << " rows\n";
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "export_driver: " << error.what() << "\n";
    return 1;
  }
}
