// SDK-internal: the Boost.JSON object behind sdk::Options, for the request codec. Never included by a
// public header, so plugins do not need Boost to build.
#pragma once

#include <mageio/sdk/options.hpp>

#include <boost/json/object.hpp>

namespace mageio::sdk {

struct OptionsAccess {
  static Options make(boost::json::object values);
  static const boost::json::object& object(const Options& options);
};

}  // namespace mageio::sdk
