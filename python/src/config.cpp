// mageio._mageio.IoConfig / Profile: Mage's io_config.yaml as the core reads it (profiles, nested sections,
// env_var templates). repr() never shows a secret.
#include "config.hpp"

#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>
#include <nanobind/stl/vector.h>

namespace mageio::python {
namespace {

std::vector<ConfigSchema> known_schemas() {
  std::vector<ConfigSchema> schemas;
  try {
    for (const auto& plugin : registry_for({}).plugins()) schemas.push_back(plugin->config_schema());
  } catch (const std::exception&) {
    // Masking by key name and connection-string syntax still applies.
  }
  return schemas;
}

nb::object entry_value(const ConfigEntry& entry) {
  if (!entry.unset_variable.empty()) return nb::none();
  return nb::str(entry.value.c_str(), entry.value.size());
}

const ConfigEntry* find_entry(const Profile& profile, const std::string& key) {
  auto flat = profile.flat().find(key);
  if (flat != profile.flat().end()) return &flat->second;
  return nullptr;
}

}  // namespace

void bind_config(nb::module_& m) {
  nb::class_<Profile>(m, "Profile",
                      "One profile of an io_config.yaml, after env_var templates were rendered. Read keys with "
                      "profile[key] or profile.get(key); repr() masks every secret.")
      .def_prop_ro("name", &Profile::name, "the profile's name, e.g. 'default'")
      .def_prop_ro("file", &Profile::file, "the file it was read from")
      .def(
          "keys",
          [](const Profile& p) {
            std::vector<std::string> keys;
            for (const auto& [key, entry] : p.flat()) keys.push_back(key);
            return keys;
          },
          "the flat keys of the profile (KEY: value), sorted")
      .def(
          "sections",
          [](const Profile& p) {
            nb::dict sections;
            for (const auto& [section, entries] : p.sections()) {
              nb::dict values;
              for (const auto& [key, entry] : entries) values[key.c_str()] = entry_value(entry);
              sections[section.c_str()] = values;
            }
            return sections;
          },
          "the nested (\"verbose\") sections, e.g. {'PostgreSQL': {'host': ...}}")
      .def(
          "get",
          [](const Profile& p, const std::string& key, nb::object fallback) -> nb::object {
            const ConfigEntry* entry = find_entry(p, key);
            if (entry == nullptr || !entry->unset_variable.empty()) return fallback;
            return entry_value(*entry);
          },
          nb::arg("key"), nb::arg("default") = nb::none(),
          "the value of a flat key as a string, or `default` when the profile has no such key or its "
          "env_var is unset")
      .def(
          "__getitem__",
          [](const Profile& p, const std::string& key) -> nb::object {
            const ConfigEntry* entry = find_entry(p, key);
            if (entry == nullptr) {
              std::string message = "profile '" + p.name() + "' of " + p.file() + " has no key " + key;
              throw nb::key_error(message.c_str());
            }
            if (!entry->unset_variable.empty()) {
              std::string message = "key " + key + " of profile '" + p.name() + "' in " + p.file() + " uses env_var('" +
                                    entry->unset_variable + "'), which is not set";
              throw nb::key_error(message.c_str());
            }
            return entry_value(*entry);
          },
          nb::arg("key"))
      .def("__contains__", [](const Profile& p, const std::string& key) { return find_entry(p, key) != nullptr; })
      .def("__repr__",
           [](const Profile& p) {
             return "<mageio.Profile '" + p.name() + "' of " + p.file() + ">\n" + p.show(known_schemas());
           })
      .def(
          "with_settings",
          [](const Profile& p, const nb::dict& settings) {
            Profile copy = p;
            for (auto [key, value] : settings) {
              const std::string name = nb::cast<std::string>(nb::str(key));
              auto existing = copy.flat().find(name);
              copy.set_flat(name, ConfigEntry{nb::cast<std::string>(nb::str(value)),
                                              existing == copy.flat().end() ? 0 : existing->second.line});
            }
            return copy;
          },
          nb::arg("settings"), "a copy with these flat keys set (values are turned into strings)")
      .def_static(
          "empty", [](const std::string& name) { return Profile("no config file", name, 0); },
          nb::arg("name") = "default", "a profile with no keys (no io_config.yaml)");

  nb::class_<IoConfig>(m, "IoConfig", "An io_config.yaml: IoConfig.load(path), then .profile(name).")
      .def_static(
          "load", [](const std::string& path) { return IoConfig::load_file(path); }, nb::arg("path"),
          "reads and renders a file; mageio.NotFoundError when it does not exist, mageio.InvalidArgumentError "
          "for YAML or template errors (with the line)")
      .def_static("parse", &IoConfig::parse, nb::arg("text"), nb::arg("label") = "<string>",
                  "the same from text; `label` is what messages call the file")
      .def_prop_ro("file", &IoConfig::file)
      .def("profile_names", &IoConfig::profile_names)
      .def("__contains__", &IoConfig::has_profile)
      .def(
          "profile", [](const IoConfig& c, const std::string& name) { return c.profile(name); },
          nb::arg("name") = "default", "the profile; mageio.NotFoundError naming the profiles the file has")
      .def("__repr__", [](const IoConfig& c) {
        std::string names;
        for (const auto& name : c.profile_names()) names += (names.empty() ? "" : ", ") + name;
        return "<mageio.IoConfig " + c.file() + ": profiles " + names + ">";
      });
}

}  // namespace mageio::python
