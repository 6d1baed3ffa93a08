# CTest example_my_first_plugin (cmake -P): installs kplug from BUILD_DIR to a temporary prefix,
# builds this folder against it as a plugin author would (with kplug's compiler, CXX_COMPILER:
# the handshake refuses a plugin built by another), then has the installed kplug (run with
# no environment) list and load the plugin and load a model that uses both of its keys.
foreach(var BUILD_DIR CXX_COMPILER SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "BuildAndLoad.cmake needs -D${var}=...")
  endif()
endforeach()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${what} failed (${status}):\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

function(expect_in text part)
  string(FIND "${text}" "${part}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected '${part}' in:\n${text}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run_step("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
run_step("configure" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G Ninja -DCMAKE_BUILD_TYPE=Release
         -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
run_step("build" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)

set(kplug env -i ${prefix}/bin/kplug)
run_step("kplug plugins --load" ${kplug} plugins ${WORK_DIR}/build --load)
expect_in("${step_output}" "my_first_plugin 0.1.0")
expect_in("${step_output}" "my_first>Shift")
expect_in("${step_output}" "my_first>halve")
expect_in("${step_output}" "load: ok")

# A Keras config naming both keys loads (the activation is resolved at load time).
run_step("kplug summary" ${kplug} summary --json --plugins ${WORK_DIR}/build ${SOURCE_DIR}/model.json)
expect_in("${step_output}" [=[{"name": "shift", "class_name": "Shift", "params": 0}]=])
file(REMOVE_RECURSE ${WORK_DIR})
message(STATUS "my_first_plugin: built against the installed SDK, loaded, and used by a model")
