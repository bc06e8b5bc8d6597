// The SDK's descriptor codec: a manifest survives to_json/parse_manifest, supported_types is read the
// way each ABI version spells it, the validator and the difference name what is wrong.
#include "test_support.hpp"

#include <mageio/sdk/descriptor.hpp>
#include <mageio/sdk/error.hpp>

using namespace mageio;

namespace {

sdk::Manifest sample() {
  sdk::Manifest m;
  m.name = "sample";
  m.version = "1.2.3";
  m.description = "a sample";
  m.abi_version = MAGEIO_ABI_VERSION_1_1;
  m.capabilities = MAGEIO_CAP_LOAD | MAGEIO_CAP_PATHS;
  m.supported_types = {"int64", "decimal128(12, 2)"};
  m.config_schema_json = R"({"section":"","keys":[{"name":"SAMPLE_DIR","type":"string"}]})";
  return m;
}

}  // namespace

TEST_CASE("a manifest survives to_json and parse_manifest, and is sound") {
  const sdk::Manifest m = sample();
  const sdk::Manifest back = sdk::parse_manifest(sdk::to_json(m));
  CHECK(back == m);
  CHECK(sdk::check_manifest(back).empty());
  CHECK(sdk::to_json(m).find(R"("capabilities":["load","paths"])") != std::string::npos);
}

TEST_CASE("supported_types: a ';' list at ABI 1.0, a JSON array since 1.1") {
  const std::vector<std::string> types = {"int64", "decimal128(12, 2)"};
  CHECK(sdk::supported_types_text(types, MAGEIO_ABI_VERSION_1_0) == "int64;decimal128(12, 2)");
  CHECK(sdk::supported_types_text(types, MAGEIO_ABI_VERSION_1_1) == R"j(["int64","decimal128(12, 2)"])j");
  CHECK(sdk::parse_supported_types("int64;decimal128(12, 2)", MAGEIO_ABI_VERSION_1_0) == types);
  CHECK(sdk::parse_supported_types(R"j(["int64","decimal128(12, 2)"])j", MAGEIO_ABI_VERSION_1_1) == types);
  CHECK(sdk::parse_supported_types("", MAGEIO_ABI_VERSION_1_0).empty());
  CHECK_THROWS_AS(sdk::parse_supported_types("int64;utf8", MAGEIO_ABI_VERSION_1_1), sdk::Error);
}

TEST_CASE("malformed manifests are refused saying what is wrong") {
  CHECK_THROWS_WITH_AS(sdk::parse_manifest("{"), doctest::Contains("not valid JSON"), sdk::Error);
  CHECK_THROWS_WITH_AS(sdk::parse_manifest("[]"), doctest::Contains("expected a JSON object"), sdk::Error);
  std::string text = sdk::to_json(sample());
  std::string unknown = text;
  unknown.replace(unknown.find("\"paths\""), 7, "\"teleport\"");
  CHECK_THROWS_WITH_AS(sdk::parse_manifest(unknown), doctest::Contains("unknown capability \"teleport\""), sdk::Error);
  std::string future = text;
  future.replace(future.find("\"manifest_version\":1"), 20, "\"manifest_version\":9");
  CHECK_THROWS_WITH_AS(sdk::parse_manifest(future), doctest::Contains("manifest_version"), sdk::Error);
}

TEST_CASE("staged_export is a 1.1 capability that needs export") {
  sdk::Manifest m = sample();
  m.capabilities |= MAGEIO_CAP_EXPORT | MAGEIO_CAP_STAGED_EXPORT;
  CHECK(sdk::check_manifest(m).empty());
  CHECK((sdk::parse_manifest(sdk::to_json(m)).capabilities & MAGEIO_CAP_STAGED_EXPORT) != 0);
  CHECK(sdk::to_json(m).find("\"staged_export\"") != std::string::npos);
  m.capabilities &= ~MAGEIO_CAP_EXPORT;
  CHECK(sdk::check_manifest(m).find("staged_export capability without export") != std::string::npos);
  m = sample();
  m.capabilities |= MAGEIO_CAP_EXPORT | MAGEIO_CAP_STAGED_EXPORT;
  m.abi_version = MAGEIO_ABI_VERSION_1_0;
  CHECK(sdk::check_manifest(m).find("staged_export capability (ABI 1.1)") != std::string::npos);
}

TEST_CASE("the validator and the difference name the field") {
  sdk::Manifest bad = sample();
  bad.name = "Bad Name";
  CHECK(sdk::check_manifest(bad).find("name 'Bad Name'") == 0);
  bad = sample();
  bad.supported_types.push_back("nonsense");
  CHECK(sdk::check_manifest(bad) == "supported_types lists unknown type 'nonsense'");
  bad = sample();
  bad.abi_version = 2000000;
  CHECK(sdk::check_manifest(bad).starts_with("ABI too new"));

  sdk::Manifest other = sample();
  other.capabilities |= MAGEIO_CAP_EXPORT;
  CHECK(sdk::manifest_difference(sample(), other) ==
        "capabilities: the manifest says [load, paths], the entry point says [load, export, paths]");
  CHECK(sdk::manifest_difference(sample(), sample()).empty());
}
