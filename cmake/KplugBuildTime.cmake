# Compile-time savings for kplug's own targets. CI builds the tree three times (ASan+UBSan,
# TSan, plain) on two cores from a clean clone, so these decide most of its run time.

# Precompiled standard and Boost.JSON headers: parsing them was about 60% of a typical source's
# compile time. Every source still includes what it uses (test_public_headers_compile_alone
# compiles each public header alone, without these).
option(KPLUG_PRECOMPILED_HEADERS "Precompile the common standard and Boost.JSON headers" ON)
set(KPLUG_PRECOMPILED_HEADER_LIST
  <algorithm> <array> <atomic> <cmath> <cstddef> <cstdint> <cstring> <functional> <limits> <map>
  <memory> <mutex> <optional> <span> <string> <string_view> <utility> <vector>
  <boost/json/array.hpp> <boost/json/object.hpp> <boost/json/value.hpp>)

function(kplug_precompile_headers target)
  if(KPLUG_PRECOMPILED_HEADERS)
    target_precompile_headers(${target} PRIVATE ${KPLUG_PRECOMPILED_HEADER_LIST})
  endif()
endfunction()

# The test suites' own code only arranges calls into the libraries and compares results: in an
# optimized build it compiles at -O1 (test_layers_core.cpp: 9.8 s at -O2, 7.5 s at -O1), while
# the libraries it tests keep the build type's level.
function(kplug_test_code target)
  target_compile_options(${target} PRIVATE $<$<CONFIG:RelWithDebInfo,Release,MinSizeRel>:-O1>)
endfunction()

# Extra flags for the sources that run the maths and the hot paths of loading (core/src/ops,
# where Eigen is instantiated, tensors, JSON, serialization), added after the build type's.
# The sanitizer trees build at -O0 and pass -O1 here: the rest (layers, losses, metrics, tests,
# plugins: code that arranges calls into the ops layer) compiles in about half the time (clang
# -O1 with ASan+UBSan spent 27 s on conv.cpp, -O0 11 s), while the tests and fuzz targets still
# run the maths at a usable speed. These sources skip the precompiled header, whose flags are
# the target's. Empty (the default): every source gets the build type's flags.
set(KPLUG_MATHS_FLAGS "" CACHE STRING "Extra compile flags for core's maths and hot paths (e.g. -O1 in a -O0 tree)")

function(kplug_maths_sources)
  if(KPLUG_MATHS_FLAGS)
    separate_arguments(flags UNIX_COMMAND "${KPLUG_MATHS_FLAGS}")
    set_property(SOURCE ${ARGN} APPEND PROPERTY COMPILE_OPTIONS ${flags})
    set_property(SOURCE ${ARGN} PROPERTY SKIP_PRECOMPILE_HEADERS ON)
  endif()
endfunction()
