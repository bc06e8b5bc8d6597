// The help of mageio and of each command, generated from the CLI11 declarations:
//
//   usage: mageio load SOURCE (--query SQL | --table T [--schema S] | --path P) [options]
//
//   <about: what the command does>
//
//   arguments:
//     SOURCE                   <its description>
//   <group>:                   (the options' groups in the order declared; "common options" last)
//     --table T                <its description, wrapped at 100 columns>
//   <footer: examples, notes>
//
// The top level lists its commands (name and summary) instead of arguments.
#pragma once

#include <CLI/CLI.hpp>  // FormatterFwd.hpp alone misses its includes in CLI11 2.1

#include <string>
#include <utility>

namespace mageio::cli {

class HelpFormat : public CLI::FormatterBase {
 public:
  HelpFormat(std::string usage, std::string about) : usage_(std::move(usage)), about_(std::move(about)) {}
  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override;

 private:
  std::string usage_;
  std::string about_;
};

}  // namespace mageio::cli
