# mageio_add_plugin(NAME SOURCES file... [LIBRARIES lib...] [OUTPUT_DIRECTORY dir])
#
# Builds a connector plugin as a shared library named mageio_<NAME>.so with every symbol hidden except
# the one entry point the MAGEIO_PLUGIN macro exports, and puts it where the host looks for bundled
# plugins (build/lib/mageio/plugins). Links the SDK statically, so a plugin depends on nothing of the host.
function(mageio_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "mageio_add_plugin(${name}): SOURCES is required")
  endif()
  if(NOT ARG_OUTPUT_DIRECTORY)
    if(DEFINED MAGEIO_PLUGIN_OUTPUT_DIR)
      set(ARG_OUTPUT_DIRECTORY ${MAGEIO_PLUGIN_OUTPUT_DIR})
    else()
      set(ARG_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/plugins)
    endif()
  endif()
  set(target mageio_plugin_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE mageio::sdk ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME mageio_${name}
    PREFIX lib
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  # Fail at link time, not at load time, when a plugin uses a symbol nothing provides.
  if(NOT MAGEIO_SANITIZE AND NOT MAGEIO_FUZZ)  # the sanitizer runtimes are only linked into executables
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
  set_property(GLOBAL APPEND PROPERTY MAGEIO_PLUGIN_TARGETS ${target})
  # Discovery reads what a plugin is from its manifest, never by running it.
  mageio_add_manifest(${target})
endfunction()

include(${CMAKE_CURRENT_LIST_DIR}/MageioManifest.cmake)

# mageio_add_conformance_test(): a ctest running `mageio test-plugin` on a plugin.
include(${CMAKE_CURRENT_LIST_DIR}/MageioConformance.cmake)
