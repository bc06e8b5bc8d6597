// C++ exceptions to Python exceptions: every error of the core, the SDK and the plugins becomes a
// mageio.Error subclass (mageio/_errors.py) with status, SQLSTATE and vendor code; nothing leaks out as a
// bare RuntimeError or std::bad_cast.
#include "binding.hpp"

#include <nanobind/stl/string.h>

#include <mageio/sdk/error.hpp>

#include <filesystem>
#include <new>
#include <system_error>
#include <typeinfo>

namespace mageio::python {
namespace {

void set_usage_error(const std::string& message) {
  try {
    nb::object errors = nb::module_::import_("mageio._errors");
    nb::object type = errors.attr("UsageError");
    PyErr_SetObject(type.ptr(), type(message).ptr());
  } catch (const std::exception&) {
    PyErr_Clear();
    PyErr_SetString(PyExc_RuntimeError, message.c_str());
  }
}

void translate(const std::exception_ptr& error, void*) {
  try {
    std::rethrow_exception(error);
  } catch (const nb::python_error&) {
    throw;  // nanobind's own: already a Python error
  } catch (const nb::builtin_exception&) {
    throw;
  } catch (const std::bad_cast&) {
    // nanobind's nb::cast failed: a Python value of the wrong type reached the extension.
    PyErr_SetString(PyExc_TypeError, "mageio: a value has the wrong type for this call (see the docstring)");
  } catch (const sdk::Error& e) {
    set_python_error(e.status(), e.what(), e.sqlstate(), e.vendor_code());
  } catch (const UsageError& e) {
    set_usage_error(e.what());
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::filesystem::filesystem_error& e) {
    set_python_error(MAGEIO_STATUS_IO, e.what(), {}, 0);
  } catch (const std::system_error& e) {
    set_python_error(MAGEIO_STATUS_IO, e.what(), {}, e.code().value());
  } catch (const std::exception& e) {
    set_python_error(MAGEIO_STATUS_INTERNAL, std::string("internal error: ") + e.what(), {}, 0);
  } catch (...) {
    set_python_error(MAGEIO_STATUS_INTERNAL, "internal error: an unknown C++ exception", {}, 0);
  }
}

}  // namespace

void set_python_error(MageioStatus status, const std::string& message, const std::string& sqlstate,
                      int32_t vendor_code) {
  try {
    nb::object errors = nb::module_::import_("mageio._errors");
    nb::object error = errors.attr("from_status")(static_cast<int>(status), message, sqlstate, vendor_code);
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  } catch (const std::exception&) {
    // The package is going away (interpreter teardown): still a Python error, never a crash.
    PyErr_Clear();
    PyErr_SetString(PyExc_RuntimeError, message.c_str());
  }
}

void register_error_translator() { nb::register_exception_translator(translate); }

}  // namespace mageio::python
