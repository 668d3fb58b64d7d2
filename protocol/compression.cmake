# Codec libraries behind protocol/compression.cpp (gzip, snappy, lz4, zstd),
# gathered in one INTERFACE target: include() this file, then
# target_link_libraries(<lib> PUBLIC caudal_compression_libs).
if(NOT TARGET caudal_compression_libs)
  find_package(ZLIB REQUIRED)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(CAUDAL_SNAPPY REQUIRED IMPORTED_TARGET snappy)
  pkg_check_modules(CAUDAL_LZ4 REQUIRED IMPORTED_TARGET liblz4)
  pkg_check_modules(CAUDAL_ZSTD REQUIRED IMPORTED_TARGET libzstd)
  add_library(caudal_compression_libs INTERFACE)
  target_link_libraries(caudal_compression_libs
    INTERFACE ZLIB::ZLIB PkgConfig::CAUDAL_SNAPPY PkgConfig::CAUDAL_LZ4 PkgConfig::CAUDAL_ZSTD)
endif()
