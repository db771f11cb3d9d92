# The add_subdirectory() test: configures tests/cmake/subdirectory (which
# vendors the SDK's source tree) and checks the build it plans for the
# generated schema: the protoc step names real programs (not target names
# that the parent directory cannot see) and the generated library compiles as
# C++20. A full build of that project works too; ctest does not run one
# because it compiles the whole SDK a second time.
#
#   cmake -DSDK_SOURCE_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P subdirectory_test.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE ${WORK_DIR})
execute_process(
  COMMAND ${CMAKE_COMMAND} -G "Unix Makefiles" -S ${SOURCE_DIR} -B ${WORK_DIR}
          -DPUBSUB_SOURCE_DIR=${SDK_SOURCE_DIR}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the add_subdirectory project failed:\n${out}")
endif()

set(_dir ${WORK_DIR}/CMakeFiles/shop_events.dir)
file(READ ${_dir}/build.make _build)
if(NOT _build MATCHES "protoc[^\n]* --plugin=protoc-gen-pubsub=/[^ \n]*/protoc-gen-pubsub [^\n]*--pubsub_out=")
  message(FATAL_ERROR "no protoc-gen-pubsub step in ${_dir}/build.make")
endif()
if(_build MATCHES "protobuf::protoc|pubsub::protoc-gen-pubsub")
  message(FATAL_ERROR "a target name reached ${_dir}/build.make unresolved")
endif()
file(READ ${_dir}/flags.make _flags)
if(NOT _flags MATCHES "-std=(gnu|c)\\+\\+(20|2a)")
  message(FATAL_ERROR "the generated library is not compiled as C++20:\n${_flags}")
endif()
# The SDK's own tests, tools and sample programs stay out of a project that
# vendors it; its gateway and CLI cores are there for pubsub_add_gateway/cli.
foreach(_absent codegen_names_test pubsub_gateway_test pubsub-gateway pubsub pubsub-loadgen)
  if(EXISTS ${WORK_DIR}/pubsub/CMakeFiles/${_absent}.dir OR
     EXISTS ${WORK_DIR}/pubsub/tests OR EXISTS ${WORK_DIR}/pubsub/bench)
    message(FATAL_ERROR "the vendored SDK planned its tests or tools (${_absent})")
  endif()
endforeach()
foreach(_present shop_gateway shop_pubsub)
  if(NOT EXISTS ${WORK_DIR}/CMakeFiles/${_present}.dir)
    message(FATAL_ERROR "${_present} (pubsub_add_gateway/pubsub_add_cli) was not planned")
  endif()
endforeach()
message(STATUS "the add_subdirectory project configures and plans its build")
