// descriptor.*: what the plugin says about itself, read from the raw descriptor the host validated,
// plus negotiation through the raw entry point.
#include "context.hpp"
#include "raw.hpp"

#include <mageio/core/io_config.hpp>
#include <mageio/sdk/descriptor.hpp>
#include <mageio/sdk/values.hpp>

#include <cstddef>
#include <regex>
#include <set>

namespace mageio::conformance::detail {
namespace {

constexpr size_t kDescriptorSize_1_0 = offsetof(MageioPluginDescriptor, table_exists) + sizeof(MageioTableExistsFn);

std::string abi_text(uint32_t version) { return sdk::abi_version_text(version); }

// The bits that have a display name in the SDK's one capability table.
uint64_t named_capability_bits(uint64_t caps) {
  uint64_t named = 0;
  for (const auto& name : sdk::capability_names(caps)) named |= sdk::capability_bit(name);
  return named;
}

std::string join(const std::vector<std::string>& items, const char* separator = "; ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

void negotiation(Kit& kit) {
  RawLibrary library(kit.plugin());
  const MageioPluginDescriptor& known = kit.plugin().descriptor();
  std::vector<std::string> problems;

  // This host's version: the same descriptor again.
  const MageioPluginDescriptor* descriptor = nullptr;
  RawOutcome outcome =
      call_with_error([&](MageioError* error) { return library.entry()(MAGEIO_ABI_VERSION, &descriptor, error); });
  if (outcome.status != MAGEIO_STATUS_OK || descriptor == nullptr)
    problems.push_back("a second negotiation at ABI " + abi_text(MAGEIO_ABI_VERSION) + " failed (" +
                       sdk::status_name(outcome.status) + ")");
  else if (descriptor->abi_version != known.abi_version || descriptor->capabilities != known.capabilities)
    problems.push_back("a second negotiation returned a different descriptor");

  // A 1.0 host: a 1.1 plugin answers 1.0 and spells supported_types the 1.0 way (";"-separated).
  descriptor = nullptr;
  outcome =
      call_with_error([&](MageioError* error) { return library.entry()(MAGEIO_ABI_VERSION_1_0, &descriptor, error); });
  if (outcome.status != MAGEIO_STATUS_OK || descriptor == nullptr)
    problems.push_back("refused a 1.0 host (" + std::string(sdk::status_name(outcome.status)) +
                       "): a 1.x plugin must answer every 1.x host with the highest version both know");
  else if (descriptor->abi_version != MAGEIO_ABI_VERSION_1_0)
    problems.push_back("answered ABI " + abi_text(descriptor->abi_version) + " to a host offering 1.0");
  else if (descriptor->supported_types == nullptr ||
           sdk::parse_supported_types(descriptor->supported_types, MAGEIO_ABI_VERSION_1_0) !=
               kit.plugin().supported_types())
    problems.push_back("at ABI 1.0, supported_types is not the \";\"-separated list of the same types");

  // A later 1.x host: the plugin answers a version it implements, of the same major, not higher.
  const uint32_t future = MAGEIO_ABI_VERSION + 1000u;
  descriptor = nullptr;
  outcome = call_with_error([&](MageioError* error) { return library.entry()(future, &descriptor, error); });
  if (outcome.status != MAGEIO_STATUS_OK || descriptor == nullptr)
    problems.push_back("refused a newer 1.x host (offered " + abi_text(future) + ", " +
                       sdk::status_name(outcome.status) + "): a 1.x plugin must load in every later 1.x host");
  else if (MAGEIO_ABI_MAJOR(descriptor->abi_version) != 1 || descriptor->abi_version > future)
    problems.push_back("answered ABI " + abi_text(descriptor->abi_version) + " to a host offering " + abi_text(future));

  // Other major versions: refused with NOT_IMPLEMENTED and a message, out untouched.
  for (uint32_t offered : {2000000u, 999u}) {
    descriptor = nullptr;
    outcome = call_with_error([&](MageioError* error) { return library.entry()(offered, &descriptor, error); });
    const std::string what = "offered ABI " + abi_text(offered);
    if (outcome.status != MAGEIO_STATUS_NOT_IMPLEMENTED)
      problems.push_back(what + ": answered " + sdk::status_name(outcome.status) + " instead of NOT_IMPLEMENTED");
    else if (!outcome.message || outcome.message->empty())
      problems.push_back(what + ": refused without a message");
    if (outcome.status != MAGEIO_STATUS_OK && descriptor != nullptr)
      problems.push_back(what + ": set the descriptor although it refused");
  }
  if (!problems.empty()) fail(join(problems));
}

void config_schema(Kit& kit) {
  const char* text = kit.plugin().descriptor().config_schema_json;
  ConfigSchema schema;
  try {
    schema = ConfigSchema::parse(text ? text : "");
  } catch (const std::exception& e) {
    fail(std::string("config_schema_json does not parse: ") + e.what());
  }
  std::vector<std::string> problems;
  std::set<std::string> names, aliases;
  for (const auto& key : schema.keys) {
    if (key.name.empty()) problems.push_back("a key has no name");
    if (!names.insert(key.name).second) problems.push_back("key " + key.name + " is declared twice");
    if (!key.alias.empty() && !aliases.insert(key.alias).second)
      problems.push_back("alias " + key.alias + " is used twice");
    if (key.default_value) {
      if (key.type == sdk::ConfigType::Integer && !sdk::parse_int64(*key.default_value))
        problems.push_back("the default of integer key " + key.name + " is not an integer");
      if (key.type == sdk::ConfigType::Boolean && !sdk::parse_bool(*key.default_value))
        problems.push_back("the default of boolean key " + key.name + " is not a boolean");
    }
  }
  if (!problems.empty()) fail(join(problems));
  kit.note(std::to_string(schema.keys.size()) + " key(s)");
}

void supported_types(Kit& kit) {
  const char* text = kit.plugin().descriptor().supported_types;
  require(text != nullptr, "supported_types is NULL");
  const uint32_t abi = kit.plugin().descriptor().abi_version;
  std::vector<std::string> problems;
  std::set<std::string> seen;
  std::vector<std::string> items;
  try {
    items = sdk::parse_supported_types(text, abi);
  } catch (const std::exception& e) {
    fail(std::string(e.what()) + " (ABI " + abi_text(abi) + " spells it as a JSON array of strings)");
  }
  // The 1.0 ";" list: an empty entry is a stray separator, which parse_supported_types skips.
  if (abi < MAGEIO_ABI_VERSION_1_1) {
    const std::string list(text);
    if (list.find(";;") != std::string::npos || list.starts_with(';') || list.ends_with(';'))
      problems.push_back("an empty entry (stray ';')");
  }
  size_t count = 0;
  for (const auto& item : items) {
    if (item.empty()) {
      problems.push_back("an empty entry");
      continue;
    }
    ++count;
    try {
      const std::string canonical = sdk::DataType::from_name(item).name();
      if (canonical != item) problems.push_back("'" + item + "' is not spelled canonically ('" + canonical + "')");
    } catch (const std::exception&) {
      problems.push_back("'" + item + "' is not a logical type name");
    }
    if (!seen.insert(item).second) problems.push_back("'" + item + "' is listed twice");
  }
  if (!problems.empty()) fail(join(problems));
  kit.note(count == 0 ? "no types claimed" : std::to_string(count) + " type(s)");
}

void capabilities(Kit& kit) {
  const MageioPluginDescriptor& d = kit.plugin().descriptor();
  const uint64_t caps = d.capabilities;
  std::vector<std::string> problems, notes;
  if (caps & ~named_capability_bits(caps))
    problems.push_back("unknown capability bits are set (ABI " + abi_text(MAGEIO_ABI_VERSION) + " defines bits 0-10)");
  struct Slot {
    uint64_t bit;
    bool set;
    const char* name;
  };
  const Slot slots[] = {
      {MAGEIO_CAP_LOAD, d.load != nullptr, "load"},
      {MAGEIO_CAP_EXPORT, d.export_data != nullptr, "export_data"},
      {MAGEIO_CAP_EXECUTE, d.execute != nullptr, "execute"},
      {MAGEIO_CAP_EXECUTE_QUERIES, d.execute_queries != nullptr, "execute_queries"},
      {MAGEIO_CAP_ALTER_TABLE, d.alter_table != nullptr, "alter_table"},
      {MAGEIO_CAP_TABLE_EXISTS, d.table_exists != nullptr, "table_exists"},
  };
  for (const auto& slot : slots) {
    if ((caps & slot.bit) && !slot.set)
      problems.push_back(std::string("declares ") + slot.name + " but its slot is NULL");
    if (!(caps & slot.bit) && slot.set) notes.push_back(std::string(slot.name) + " slot set without its capability");
  }
  auto needs = [&](uint64_t bit, uint64_t required, const char* text) {
    if ((caps & bit) && (caps & required) != required) problems.push_back(text);
  };
  needs(MAGEIO_CAP_UPSERT, MAGEIO_CAP_EXPORT, "UPSERT without EXPORT");
  needs(MAGEIO_CAP_LOAD_QUERY, MAGEIO_CAP_LOAD, "LOAD_QUERY without LOAD");
  needs(MAGEIO_CAP_TRANSACTIONS, MAGEIO_CAP_EXECUTE_QUERIES, "TRANSACTIONS without EXECUTE_QUERIES");
  needs(MAGEIO_CAP_ALTER_TABLE, MAGEIO_CAP_TABLES, "ALTER_TABLE without TABLES");
  const bool targets = caps & (MAGEIO_CAP_TABLES | MAGEIO_CAP_PATHS);
  if ((caps & MAGEIO_CAP_EXPORT) && !targets)
    problems.push_back("EXPORT without TABLES or PATHS (where would it write?)");
  if ((caps & MAGEIO_CAP_LOAD) && !targets && !(caps & MAGEIO_CAP_LOAD_QUERY))
    problems.push_back("LOAD without TABLES, PATHS or LOAD_QUERY (what would it read?)");
  if (!problems.empty()) fail(join(problems));
  if (!notes.empty()) kit.note(join(notes));
}

}  // namespace

void descriptor_checks(Kit& kit) {
  const MageioPluginDescriptor& d = kit.plugin().descriptor();
  kit.check("descriptor.struct_size", [&] {
    require(d.struct_size >= kDescriptorSize_1_0, "struct_size " + std::to_string(d.struct_size) +
                                                      " is smaller than ABI 1.0's " +
                                                      std::to_string(kDescriptorSize_1_0));
  });
  kit.check("descriptor.versions", [&] {
    require(d.abi_version >= MAGEIO_ABI_VERSION_1_0 && MAGEIO_ABI_MAJOR(d.abi_version) == 1 &&
                d.abi_version <= MAGEIO_ABI_VERSION,
            "abi_version " + abi_text(d.abi_version) + " is not a 1.x version this host speaks");
    static const std::regex semver(R"((0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([-+][0-9A-Za-z.+-]+)?)");
    require(d.version != nullptr && std::regex_match(d.version, semver),
            std::string("version '") + (d.version ? d.version : "(NULL)") + "' is not semantic (MAJOR.MINOR.PATCH)");
    kit.note("ABI " + abi_text(d.abi_version) + ", version " + d.version);
  });
  kit.check("descriptor.name", [&] {
    static const std::regex pattern("[a-z][a-z0-9_]{0,63}");
    require(d.name != nullptr && std::regex_match(d.name, pattern), "name is not [a-z][a-z0-9_]* of at most 64 bytes");
    require(d.description != nullptr && *d.description != '\0', "description is empty");
    const std::string description = d.description;
    require(description.find('\n') == std::string::npos, "description is more than one line");
  });
  kit.check("descriptor.required_slots", [&] {
    require(d.open != nullptr, "open is NULL");
    require(d.close != nullptr, "close is NULL");
  });
  kit.check("descriptor.capabilities", [&] { capabilities(kit); });
  kit.check("descriptor.config_schema", [&] { config_schema(kit); });
  kit.check("descriptor.supported_types", [&] { supported_types(kit); });
  kit.check("descriptor.negotiation", [&] { negotiation(kit); });
}

}  // namespace mageio::conformance::detail
