# mageio_add_manifest(TARGET [MANIFEST FILE]): after TARGET (a plugin library) is linked, embed its
# manifest in the ELF section .mageio_manifest, where hosts read it without running plugin code.
# Without MANIFEST, the manifest is what `mageio-manifest` says the library's descriptor says (the plugin
# is loaded in a child process with a timeout). With MANIFEST, that JSON file is embedded as is (for a
# plugin that cannot be run at build time, e.g. one broken on purpose).
find_program(MAGEIO_OBJCOPY NAMES objcopy REQUIRED)

function(mageio_add_manifest target)
  cmake_parse_arguments(ARG "" "MANIFEST" "" ${ARGN})
  set(manifest ${CMAKE_CURRENT_BINARY_DIR}/${target}.mageio_manifest.json)
  set(library $<TARGET_FILE:${target}>)
  if(ARG_MANIFEST)
    get_filename_component(manifest ${ARG_MANIFEST} ABSOLUTE)
    set(describe "")
  else()
    # In mageio's own tree (the SDK target is built here) the tool is built first; out of tree, the
    # installed SDK brings it.
    if(TARGET mageio_sdk)
      set(tool $<TARGET_FILE:mageio_manifest>)
      add_dependencies(${target} mageio_manifest)
    else()
      find_program(MAGEIO_MANIFEST_TOOL NAMES mageio-manifest REQUIRED)
      set(tool ${MAGEIO_MANIFEST_TOOL})
    endif()
    set(describe COMMAND ${tool} ${library} --output ${manifest} --timeout 60)
  endif()
  # --remove-section first: a relink keeps no stale copy; objcopy ignores a section that is not there.
  add_custom_command(TARGET ${target} POST_BUILD
    ${describe}
    COMMAND ${MAGEIO_OBJCOPY} --remove-section .mageio_manifest
            --add-section .mageio_manifest=${manifest}
            --set-section-flags .mageio_manifest=noload,readonly ${library}
    COMMENT "Embedding the manifest of ${target}"
    VERBATIM)
endfunction()
