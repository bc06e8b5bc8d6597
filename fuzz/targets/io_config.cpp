// Fuzz target: reading an io_config.yaml (YAML, profiles, nested sections, aliases, env_var templates),
// then everything a command does with a profile: the config for a plugin (a PostgreSQL-like schema with
// an integer key, a boolean key, a secret and a nested section), `config show` with secrets masked, and
// the secret values used to scrub messages.
//
// Input: the whole file. MAGEIO_FUZZ_SET is set and MAGEIO_FUZZ_UNSET is not, so templates hit both the
// value and the unset-variable paths. Only sdk::Error may come out: it is how a bad file is reported.
#include <mageio/core/io_config.hpp>
#include <mageio/sdk/error.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

constexpr std::string_view kSchemaJson = R"({
  "section": "PostgreSQL",
  "keys": [
    {"name": "POSTGRES_HOST", "alias": "host", "required": true},
    {"name": "POSTGRES_PORT", "alias": "port", "type": "integer", "default": 5432},
    {"name": "POSTGRES_DBNAME", "alias": "database"},
    {"name": "POSTGRES_PASSWORD", "alias": "password", "secret": true},
    {"name": "POSTGRES_CONNECTION_STRING", "alias": "connection_string", "secret": true},
    {"name": "POSTGRES_SSL", "alias": "ssl", "type": "boolean"}
  ]
})";

const mageio::ConfigSchema& schema() {
  static const mageio::ConfigSchema parsed = [] {
    ::setenv("MAGEIO_FUZZ_SET", "s3cr3t value", 1);
    ::unsetenv("MAGEIO_FUZZ_UNSET");
    return mageio::ConfigSchema::parse(kSchemaJson);
  }();
  return parsed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const mageio::ConfigSchema& postgres = schema();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const mageio::IoConfig config = mageio::IoConfig::parse(text, "io_config.yaml");
    for (const std::string& name : config.profile_names()) {
      const mageio::Profile& profile = config.profile(name);
      (void)profile.show({postgres});
      (void)profile.show();
      const auto secrets = profile.secret_values({postgres});
      try {
        const auto object = profile.config_for("postgres", postgres);
        std::string joined;
        for (const auto& [key, value] : object)
          if (value.is_string()) joined.append(value.as_string().data(), value.as_string().size()).push_back(' ');
        (void)mageio::mask_secrets(joined, secrets);
      } catch (const mageio::sdk::Error&) {
        // A profile without what the plugin needs, or with a value of the wrong type: reported.
      }
    }
  } catch (const mageio::sdk::Error&) {
    // A malformed file: reported, which is what should happen.
  }
  return 0;
}
