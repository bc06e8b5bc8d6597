// Hiding secrets (passwords, tokens) in messages, shared by the host and the plugins so that both mask
// the same way.
#pragma once

#include <string>
#include <vector>

namespace mageio::sdk {

/// `text` with every whole occurrence of each non-empty secret replaced by "****". Whole: a secret that
/// begins (ends) with a letter, digit or `_` does not match right after (before) another one, so the
/// password `y` leaves "mysql" alone; a secret shorter than 4 bytes matches only between non-word
/// characters whatever it is made of. Longer secrets are tried first at each position.
std::string mask_secrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace mageio::sdk
