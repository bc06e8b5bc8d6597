// A shared library held open with Boost.DLL. Everything a plugin created (descriptors, instances,
// streams, error release callbacks) holds a shared_ptr to it, so the handle is closed only after the
// last of them is gone. Closing it never unmaps the library: load_library pins it (RTLD_NODELETE), since
// a plugin's threads may outlive its instances.
#pragma once

#define BOOST_DLL_USE_STD_FS 1
#include <boost/dll/shared_library.hpp>

#include <filesystem>

namespace mageio {

class LoadedLibrary {
 public:
  explicit LoadedLibrary(boost::dll::shared_library library) : library_(std::move(library)) {}
  boost::dll::shared_library& library() { return library_; }

 private:
  boost::dll::shared_library library_;
};

}  // namespace mageio
