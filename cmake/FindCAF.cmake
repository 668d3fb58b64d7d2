# libcaf-dev (Debian 12, CAF 0.17.6) ships no CMake package or .pc file:
# locate headers and libraries by hand and expose CAF::core / CAF::io.
find_path(CAF_INCLUDE_DIR caf/all.hpp)
find_package(Threads REQUIRED)
foreach(_comp IN LISTS CAF_FIND_COMPONENTS)
  find_library(CAF_${_comp}_LIBRARY NAMES caf_${_comp})
  if(CAF_${_comp}_LIBRARY)
    set(CAF_${_comp}_FOUND TRUE)
    add_library(CAF::${_comp} UNKNOWN IMPORTED)
    set_target_properties(CAF::${_comp} PROPERTIES
      IMPORTED_LOCATION "${CAF_${_comp}_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES Threads::Threads)
  endif()
endforeach()
if(TARGET CAF::io)
  set_property(TARGET CAF::io APPEND PROPERTY INTERFACE_LINK_LIBRARIES CAF::core)
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CAF REQUIRED_VARS CAF_INCLUDE_DIR HANDLE_COMPONENTS)
