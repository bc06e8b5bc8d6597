# mageio_add_conformance_test(NAME [SET KEY=VALUE ...] [ARGS arg ...])
#
# Registers the ctest conformance/<NAME>: `mageio test-plugin NAME` on the plugin that
# mageio_add_plugin(NAME ...) builds, found through --plugin-dir where it was built, with --set KEY=VALUE for
# each SET and the ARGS appended. In a SET value, {scratch} is a directory emptied before each run (and
# removed after a pass), for plugins that need somewhere to write.
#
# In the mageio tree it runs the mageio CLI being built; after find_package(mageio), the installed one.
# Does nothing when tests are off (MAGEIO_BUILD_TESTS or BUILD_TESTING set to OFF).
#
# Run with `cmake -P` (as the test does), this file is the runner itself.

if(CMAKE_SCRIPT_MODE_FILE AND DEFINED MAGEIO_CONFORMANCE_PLUGIN)
  file(REMOVE_RECURSE "${MAGEIO_CONFORMANCE_SCRATCH}")
  file(MAKE_DIRECTORY "${MAGEIO_CONFORMANCE_SCRATCH}")
  set(command "${MAGEIO_CONFORMANCE_CLI}" test-plugin "${MAGEIO_CONFORMANCE_PLUGIN}"
      --plugin-dir "${MAGEIO_CONFORMANCE_PLUGIN_DIR}")
  if(MAGEIO_CONFORMANCE_COUNT GREATER 0)
    math(EXPR last "${MAGEIO_CONFORMANCE_COUNT} - 1")
    foreach(i RANGE ${last})
      string(REPLACE "{scratch}" "${MAGEIO_CONFORMANCE_SCRATCH}" argument "${MAGEIO_CONFORMANCE_ARG_${i}}")
      list(APPEND command "${argument}")
    endforeach()
  endif()
  string(REPLACE ";" " " shown "${command}")
  message(STATUS "${shown}")
  execute_process(COMMAND ${command} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "mageio test-plugin ${MAGEIO_CONFORMANCE_PLUGIN} failed (${status}); the scratch directory "
                        "${MAGEIO_CONFORMANCE_SCRATCH} is left for a look")
  endif()
  file(REMOVE_RECURSE "${MAGEIO_CONFORMANCE_SCRATCH}")
  return()
endif()

function(mageio_add_conformance_test name)
  cmake_parse_arguments(ARG "" "" "SET;ARGS" ${ARGN})
  if((DEFINED MAGEIO_BUILD_TESTS AND NOT MAGEIO_BUILD_TESTS) OR (DEFINED BUILD_TESTING AND NOT BUILD_TESTING))
    return()
  endif()
  if(NOT TARGET mageio_plugin_${name})
    message(FATAL_ERROR "mageio_add_conformance_test(${name}): no plugin ${name}; call mageio_add_plugin(${name} ...) first")
  endif()
  if(TARGET mageio::mageio)
    set(cli "$<TARGET_FILE:mageio::mageio>")  # the installed CLI (find_package(mageio))
  else()
    set(cli "$<TARGET_FILE:mageio>")  # the CLI of this build (the mageio tree)
  endif()
  set(arguments)
  foreach(assignment IN LISTS ARG_SET)
    list(APPEND arguments --set "${assignment}")
  endforeach()
  list(APPEND arguments ${ARG_ARGS})
  set(defines)
  set(index 0)
  foreach(argument IN LISTS arguments)
    list(APPEND defines "-DMAGEIO_CONFORMANCE_ARG_${index}=${argument}")
    math(EXPR index "${index} + 1")
  endforeach()
  add_test(NAME conformance/${name}
    COMMAND ${CMAKE_COMMAND}
      "-DMAGEIO_CONFORMANCE_CLI=${cli}"
      "-DMAGEIO_CONFORMANCE_PLUGIN=${name}"
      "-DMAGEIO_CONFORMANCE_PLUGIN_DIR=$<TARGET_FILE_DIR:mageio_plugin_${name}>"
      "-DMAGEIO_CONFORMANCE_SCRATCH=${CMAKE_CURRENT_BINARY_DIR}/conformance-scratch/${name}"
      "-DMAGEIO_CONFORMANCE_COUNT=${index}"
      ${defines}
      -P "${CMAKE_CURRENT_FUNCTION_LIST_FILE}")
  set_tests_properties(conformance/${name} PROPERTIES LABELS conformance TIMEOUT 900)
endfunction()
