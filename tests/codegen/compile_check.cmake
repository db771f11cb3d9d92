# Builds one target and checks the outcome: EXPECT=success must compile;
# EXPECT=failure must fail with compiler output matching OUTPUT_REGEX (so a
# failure for an unrelated reason does not pass).
#
#   cmake -DBUILD_DIR=... -DTARGET=... -DEXPECT=failure -DOUTPUT_REGEX=... -P compile_check.cmake
cmake_minimum_required(VERSION 3.25)
execute_process(
  COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
  RESULT_VARIABLE _rc
  OUTPUT_VARIABLE _out
  ERROR_VARIABLE _out)
if(EXPECT STREQUAL "success")
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${TARGET} must compile but did not:\n${_out}")
  endif()
  message(STATUS "${TARGET} compiles, as it must")
elseif(EXPECT STREQUAL "failure")
  if(_rc EQUAL 0)
    message(FATAL_ERROR "${TARGET} must NOT compile, but it did")
  endif()
  if(NOT _out MATCHES "${OUTPUT_REGEX}")
    message(FATAL_ERROR "${TARGET} failed, but not with an error matching \"${OUTPUT_REGEX}\":\n${_out}")
  endif()
  message(STATUS "${TARGET} fails to compile, as it must")
else()
  message(FATAL_ERROR "compile_check.cmake: EXPECT must be success or failure")
endif()
