# The downstream-project test: installs the SDK (component pubsub_sdk) from
# this build tree into a scratch prefix, then configures, builds and runs
# tests/cmake/downstream with find_package(pubsub).
#
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... [-DLAUNCHER=ccache] -P downstream_test.cmake
cmake_minimum_required(VERSION 3.25)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
  endif()
  message(STATUS "${what}: ok")
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run("install the SDK" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
    --component pubsub_sdk)
set(configure_args -S ${SOURCE_DIR} -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${prefix}
                   -DCMAKE_BUILD_TYPE=Release)
if(LAUNCHER)
  list(APPEND configure_args -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
run("configure the downstream project" ${CMAKE_COMMAND} ${configure_args})
run("build the downstream project" ${CMAKE_COMMAND} --build ${WORK_DIR}/build -j 2)
run("run the downstream program" ${WORK_DIR}/build/downstream_main)
message(STATUS "${last_output}")
