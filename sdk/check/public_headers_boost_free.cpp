// Every public SDK header, included together: the build fails if one of them includes Boost.
#include <mageio/sdk/appender.hpp>
#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/config.hpp>
#include <mageio/sdk/connector.hpp>
#include <mageio/sdk/detail/entry_point.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/options.hpp>
#include <mageio/sdk/partitions.hpp>
#include <mageio/sdk/plugin.hpp>
#include <mageio/sdk/requests.hpp>
#include <mageio/sdk/secrets.hpp>
#include <mageio/sdk/types.hpp>
#include <mageio/sdk/values.hpp>

#ifdef BOOST_CONFIG_HPP
#error "a public SDK header includes Boost; keep Boost in sdk/src so plugins build without it"
#endif
