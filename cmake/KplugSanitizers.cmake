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
  add_link_options(-fsanitize=thread)
endif()
