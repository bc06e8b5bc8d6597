// open.*: opening with the given config (the instance the other checks use), open/close cycles,
// concurrent opens, and configs that must be refused.
#include "context.hpp"
#include "raw.hpp"

#include <boost/json/serialize.hpp>

#include <mutex>
#include <thread>

namespace json = boost::json;

namespace mageio::conformance::detail {
namespace {

std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

void require_opened(Kit& kit) {
  if (!kit.opened()) skip("open.config failed");
}

}  // namespace

void open_checks(Kit& kit) {
  const ConfigSchema& schema = kit.plugin().config_schema();

  kit.check("open.config", [&] {
    std::vector<std::string> missing;
    for (const auto& key : schema.keys)
      if (key.required && !key.default_value && !kit.config().contains(key.name)) missing.push_back(key.name);
    if (!missing.empty())
      fail("the plugin requires config key" + std::string(missing.size() > 1 ? "s " : " ") + join(missing) +
           ", which " + (missing.size() > 1 ? "were" : "was") +
           " not given: pass them with --set KEY=VALUE (or --config FILE --profile NAME); "
           "the checks that need an instance are skipped");
    try {
      kit.set_connector(kit.open(kit.config()));
    } catch (const sdk::Error& error) {
      fail("open failed: " + describe_error(error) + "; the checks that need an instance are skipped");
    }
    // From here on the kit tests what this instance declares (ABI 1.1 instance_capabilities).
    if (const uint64_t narrowed = kit.plugin().capabilities() & ~kit.connector().capabilities(); narrowed != 0)
      kit.report().notes.push_back("the instance does not declare " + sdk::capability_list(narrowed) +
                                   " (the plugin does): those checks are skipped");
  });

  kit.check("open.close_cycles", [&] {
    require_opened(kit);
    const int cycles = kit.options().open_close_cycles;
    for (int i = 0; i < cycles; ++i) {
      try {
        auto connector = kit.open(kit.config());
      } catch (const sdk::Error& error) {
        fail("open #" + std::to_string(i + 1) + " of " + std::to_string(cycles) + " failed: " + describe_error(error));
      }
    }
    kit.note(std::to_string(cycles) + " cycles");
  });

  kit.check("open.concurrent", [&] {
    require_opened(kit);
    std::mutex mutex;
    std::vector<std::string> errors;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 5; ++i) {
          try {
            auto connector = kit.open(kit.config());
          } catch (const std::exception& error) {
            std::lock_guard lock(mutex);
            errors.push_back(error.what());
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    if (!errors.empty())
      fail(std::to_string(errors.size()) + " of 20 opens from 4 threads failed, e.g. " + errors.front());
  });

  kit.check("open.unknown_config_key", [&] {
    json::object config = kit.config();
    config["MAGEIO_KIT_UNKNOWN_KEY"] = "1";
    kit.expect_error("open with the unknown key MAGEIO_KIT_UNKNOWN_KEY", [&] { kit.open(config); },
                     {MAGEIO_STATUS_INVALID_ARGUMENT});
  });

  kit.check("open.missing_required_key", [&] {
    require_opened(kit);
    std::vector<std::string> tested;
    for (const auto& key : schema.keys) {
      if (!key.required || key.default_value) continue;
      json::object config = kit.config();
      config.erase(key.name);
      kit.expect_error("open without the required key " + key.name, [&] { kit.open(config); },
                       {MAGEIO_STATUS_INVALID_ARGUMENT});
      tested.push_back(key.name);
    }
    if (tested.empty()) skip("the plugin has no required config keys");
    kit.note(join(tested));
  });

  kit.check("open.mistyped_value", [&] {
    require_opened(kit);
    std::vector<std::string> tested;
    for (const auto& key : schema.keys) {
      if (key.type == sdk::ConfigType::String) continue;
      json::object config = kit.config();
      config[key.name] = key.type == sdk::ConfigType::Integer ? "not-a-number" : "maybe";
      kit.expect_error("open with " + key.name + "=" + json::serialize(config[key.name]), [&] { kit.open(config); },
                       {MAGEIO_STATUS_INVALID_ARGUMENT});
      tested.push_back(key.name);
    }
    if (tested.empty()) skip("the plugin has no integer or boolean config keys");
    kit.note(join(tested));
  });

  kit.check("open.malformed_config", [&] {
    const MageioPluginDescriptor& d = kit.plugin().descriptor();
    std::vector<std::string> problems;
    for (const std::string text : {"not json", "[1, 2]", "{\"unterminated\": "}) {
      MageioInstance* instance = nullptr;
      RawOutcome outcome =
          call_with_error([&](MageioError* error) { return d.open(text.c_str(), nullptr, &instance, error); });
      if (outcome.status == MAGEIO_STATUS_OK) {
        if (instance != nullptr) d.close(instance);
        problems.push_back("config '" + text + "' was accepted");
      } else if (outcome.status != MAGEIO_STATUS_INVALID_ARGUMENT) {
        problems.push_back("config '" + text + "' answered " + sdk::status_name(outcome.status) +
                           " instead of INVALID_ARGUMENT");
      } else if (!outcome.message || outcome.message->empty()) {
        problems.push_back("config '" + text + "' was refused without a message");
      }
    }
    if (!problems.empty()) fail(join(problems, "; "));
  });
}

}  // namespace mageio::conformance::detail
