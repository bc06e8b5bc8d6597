// Random name suffixes for the temporary things plugins create next to a user's data: partial files,
// staging and side tables, names offered to a server. Two processes (or a process and its fork) must
// never pick the same name, and a name a server may ask for must not be guessable, so the digits come
// from the system's random source on every call rather than from a seeded generator.
#pragma once

#include <cstddef>
#include <string>

namespace mageio::sdk {

/// `hex_digits` lowercase hexadecimal digits (4 random bits each) from std::random_device.
std::string random_suffix(size_t hex_digits = 12);

}  // namespace mageio::sdk
