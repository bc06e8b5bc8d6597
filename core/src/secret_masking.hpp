// Which config values are secret, and the passwords inside values (connection strings, nested maps),
// for the files that read and show profiles. The public side (looks_secret, mask_secrets, ...) is in
// <mageio/core/io_config.hpp>.
#pragma once

#include <mageio/core/io_config.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace mageio::io_config_detail {

/// A flat key (POSTGRES_PASSWORD) is secret: a plugin declares it so, or its name says so.
bool flat_is_secret(const std::string& key, const std::vector<ConfigSchema>& schemas);
/// A key of a nested section (PostgreSQL: password) is secret.
bool nested_is_secret(const std::string& section, const std::string& key, const std::vector<ConfigSchema>& schemas);
/// Masks the secrets inside a JSON value in place; with `found`, collects them.
void mask_json(boost::json::value& value, std::vector<std::string>* found);
/// The passwords inside a value (connection strings, secret keys of a nested map).
std::vector<std::string> embedded_passwords(const ConfigEntry& entry);

}  // namespace mageio::io_config_detail
