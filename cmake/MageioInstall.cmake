# `cmake --install build --prefix P` lays out:
#
#   P/bin/mageio                           the CLI (RPATH $ORIGIN/../lib)
#   P/lib/libmageio.so                     the host library                  find_package: mageio::core
#   P/lib/libmageio_sdk.a                  the plugin SDK (static, PIC)      find_package: mageio::sdk
#   P/lib/mageio/plugins/libmageio_*.so    the bundled plugins: the core looks here by itself
#                                          (next to libmageio.so), so nothing needs configuring
#   P/lib/mageio/mageio-plugin-host        the child process of isolated connectors (RPATH $ORIGIN/..),
#                                          found by the core next to libmageio.so too
#   P/include/mageio/                      mageio_abi.h, sdk/ (plugins) and core/ (hosts)
#   P/lib/cmake/mageio/                    find_package(mageio): the targets above, mageio::mageio (the
#                                          CLI), mageio_add_plugin() and mageio_add_conformance_test()
#   P/lib/pkgconfig/mageio.pc              pkg-config for hosts; mageio-sdk.pc for plugins
#   P/share/mageio/plugin-template/        what `mageio new` copies
#
# Included at the end of the top-level CMakeLists.txt, where every target exists.
include(CMakePackageConfigHelpers)

set(MAGEIO_INSTALL_CMAKEDIR lib/cmake/mageio)
set(MAGEIO_PLUGIN_INSTALL_DIR lib/mageio/plugins)

# Exported as mageio::sdk, mageio::core and mageio::mageio; their headers need C++20 in every consumer.
set_target_properties(mageio_sdk PROPERTIES EXPORT_NAME sdk)
set_target_properties(mageio_core PROPERTIES EXPORT_NAME core)
set_target_properties(mageio PROPERTIES EXPORT_NAME mageio)
target_compile_features(mageio_sdk PUBLIC cxx_std_20)

# A sanitized build (MAGEIO_SANITIZE) installs instrumented libraries: what links them needs the sanitizer
# runtime, so the flag travels with the installed targets (and with mageio.pc), and mageio_add_plugin()
# leaves out --no-undefined there, as in the tree (the runtime comes from the program that loads a plugin).
set(MAGEIO_PC_EXTRA_LIBS "")
if(MAGEIO_SANITIZE)
  target_link_options(mageio_core INTERFACE $<INSTALL_INTERFACE:-fsanitize=address$<COMMA>undefined>)
  set(MAGEIO_PC_EXTRA_LIBS " -fsanitize=address,undefined")
endif()

install(TARGETS mageio_sdk mageio_core mageio EXPORT mageioTargets
  RUNTIME DESTINATION bin
  LIBRARY DESTINATION lib
  ARCHIVE DESTINATION lib
  INCLUDES DESTINATION include)
install(TARGETS mageio_plugin_host RUNTIME DESTINATION lib/mageio)
if(bundled_plugin_targets)
  install(TARGETS ${bundled_plugin_targets} LIBRARY DESTINATION ${MAGEIO_PLUGIN_INSTALL_DIR})
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/include/ ${PROJECT_SOURCE_DIR}/core/include/ DESTINATION include)

install(EXPORT mageioTargets NAMESPACE mageio:: DESTINATION ${MAGEIO_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/mageioConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mageioConfig.cmake
  INSTALL_DESTINATION ${MAGEIO_INSTALL_CMAKEDIR}
  PATH_VARS MAGEIO_PLUGIN_INSTALL_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mageioConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/mageioConfig.cmake
  ${PROJECT_BINARY_DIR}/mageioConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/sdk/cmake/MageioPlugin.cmake
  ${PROJECT_SOURCE_DIR}/sdk/cmake/MageioConformance.cmake
  ${PROJECT_SOURCE_DIR}/sdk/cmake/MageioManifest.cmake
  DESTINATION ${MAGEIO_INSTALL_CMAKEDIR})

foreach(pc mageio mageio-sdk)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION lib/pkgconfig)
endforeach()

install(DIRECTORY
  ${PROJECT_SOURCE_DIR}/plugin-template/common
  ${PROJECT_SOURCE_DIR}/plugin-template/database
  ${PROJECT_SOURCE_DIR}/plugin-template/file
  ${PROJECT_SOURCE_DIR}/plugin-template/out-of-tree
  DESTINATION share/mageio/plugin-template)
