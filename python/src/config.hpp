#pragma once

#include "binding.hpp"

#include <nanobind/stl/string.h>

namespace mageio::python {
void bind_config(nb::module_& m);
}  // namespace mageio::python
