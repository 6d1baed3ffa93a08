# oneDNN (Debian libdnnl-dev 2.6) as the imported target DNNL::dnnl. Debian's own
# dnnl-config.cmake also requires the OpenCL development files (its GPU runtime is OpenCL);
# kplug uses only the CPU engine, so the header and library are found directly instead.
find_path(KPLUG_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp REQUIRED)
find_library(KPLUG_DNNL_LIBRARY NAMES dnnl REQUIRED)
file(STRINGS ${KPLUG_DNNL_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h kplug_dnnl_major REGEX "define DNNL_VERSION_MAJOR ")
string(REGEX REPLACE ".* ([0-9]+).*" "\\1" kplug_dnnl_major "${kplug_dnnl_major}")
if(kplug_dnnl_major LESS 2)
  message(FATAL_ERROR "kplug needs oneDNN 2.6 or newer (libdnnl-dev); found major version ${kplug_dnnl_major}")
endif()
add_library(DNNL::dnnl SHARED IMPORTED)
set_target_properties(DNNL::dnnl PROPERTIES IMPORTED_LOCATION ${KPLUG_DNNL_LIBRARY}
                                            INTERFACE_INCLUDE_DIRECTORIES ${KPLUG_DNNL_INCLUDE_DIR})
# Debian's oneDNN runs its threads on OpenMP (libgomp). kplug sets each call's thread count
# through libgomp's omp_set_num_threads (kplug/threading.hpp), so it links libgomp too.
find_library(KPLUG_GOMP_LIBRARY NAMES libgomp.so.1 gomp REQUIRED)
set_property(TARGET DNNL::dnnl APPEND PROPERTY INTERFACE_LINK_LIBRARIES ${KPLUG_GOMP_LIBRARY})
