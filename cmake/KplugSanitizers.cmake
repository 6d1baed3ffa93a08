# Sanitizers apply to every target of the build (core, plugins, tests) so that
# instrumented and uninstrumented code never mix inside one process.
if(KPLUG_SANITIZE AND KPLUG_TSAN)
  message(FATAL_ERROR "KPLUG_SANITIZE and KPLUG_TSAN are exclusive: use two build trees")
endif()
if(KPLUG_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(KPLUG_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  # g++ 12 warns that TSan does not model atomic_thread_fence, which Boost.Asio's fenced blocks
  # use (serve); Asio's hand-overs also go through its mutexes, which TSan sees.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
  add_link_options(-fsanitize=thread)
endif()
if(KPLUG_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "KPLUG_FUZZ needs clang (libFuzzer): configure with CXX=clang++-14")
  endif()
  if(KPLUG_SANITIZE OR KPLUG_TSAN)
    message(FATAL_ERROR "KPLUG_FUZZ already builds with ASan + UBSan: leave KPLUG_SANITIZE and KPLUG_TSAN off")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined
                      "SHELL:-include ${PROJECT_SOURCE_DIR}/fuzz/source_location_shim.hpp")
  add_link_options(-fsanitize=address,undefined)
endif()
# Any of the three: the plain-build-only checks (header self-containment, clang SDK builds) are skipped.
if(KPLUG_SANITIZE OR KPLUG_TSAN OR KPLUG_FUZZ)
  set(KPLUG_INSTRUMENTED ON)
else()
  set(KPLUG_INSTRUMENTED OFF)
endif()
