# The golden test: regenerates the sample schema (schema/examples) with the
# freshly built plugin and compares every *.pubsub.h/.cc, and the catalogue
# (CATALOGUE.asyncapi.json, CATALOGUE/*.md), and the TypeScript
# (ts/sample_schema.d.ts, .js), with the checked-in copy in generated/. Fails with a unified diff; tools/update-generated.sh refreshes
# generated/ after an intended change.
#
#   cmake -DPROTOC=... -DPLUGIN=... -DPROTO_ROOT=schema/examples -DIMPORT_DIR=schema
#         -DCATALOGUE=sample -DEXPECTED_DIR=generated -DWORK_DIR=<scratch> -P golden_test.cmake
cmake_minimum_required(VERSION 3.25)
foreach(var PROTOC PLUGIN PROTO_ROOT IMPORT_DIR CATALOGUE EXPECTED_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "golden_test.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
file(GLOB _protos RELATIVE ${PROTO_ROOT} ${PROTO_ROOT}/*.proto)
execute_process(
  COMMAND ${PROTOC} --plugin=protoc-gen-pubsub=${PLUGIN} --pubsub_out=${WORK_DIR}
          --pubsub_opt=schema=sample_schema,catalogue=${CATALOGUE}
          -I ${PROTO_ROOT} -I ${IMPORT_DIR} ${_protos}
  WORKING_DIRECTORY ${PROTO_ROOT}
  RESULT_VARIABLE _rc
  ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "protoc-gen-pubsub failed on the sample schema:\n${_err}")
endif()

# The TypeScript (sample_schema.d.ts, .js) is checked in under generated/ts/.
file(GLOB _typescript ${WORK_DIR}/*.d.ts ${WORK_DIR}/*.js)
file(MAKE_DIRECTORY ${WORK_DIR}/ts)
foreach(_f IN LISTS _typescript)
  get_filename_component(_name ${_f} NAME)
  file(RENAME ${_f} ${WORK_DIR}/ts/${_name})
endforeach()

set(_patterns *.pubsub.h *.pubsub.cc *.schema.h *.schema.cc ${CATALOGUE}.asyncapi.json ${CATALOGUE}/*.md
              ts/*.d.ts ts/*.js)
list(TRANSFORM _patterns PREPEND ${WORK_DIR}/ OUTPUT_VARIABLE _actual_globs)
list(TRANSFORM _patterns PREPEND ${EXPECTED_DIR}/ OUTPUT_VARIABLE _expected_globs)
file(GLOB _actual RELATIVE ${WORK_DIR} ${_actual_globs})
file(GLOB _expected RELATIVE ${EXPECTED_DIR} ${_expected_globs})
set(_problems "")
foreach(_f IN LISTS _expected)
  if(NOT _f IN_LIST _actual)
    string(APPEND _problems "generated/${_f}: no longer generated\n")
  endif()
endforeach()
find_program(_diff diff)
foreach(_f IN LISTS _actual)
  if(NOT _f IN_LIST _expected)
    string(APPEND _problems "generated/${_f}: missing from generated/\n")
    continue()
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${EXPECTED_DIR}/${_f} ${WORK_DIR}/${_f}
                  RESULT_VARIABLE _same)
  if(_same EQUAL 0)
    continue()
  endif()
  if(_diff)
    execute_process(COMMAND ${_diff} -u --label generated/${_f} --label fresh/${_f}
                            ${EXPECTED_DIR}/${_f} ${WORK_DIR}/${_f}
                    OUTPUT_VARIABLE _out)
    string(APPEND _problems "${_out}")
  else()
    string(APPEND _problems "generated/${_f}: differs from a fresh run\n")
  endif()
endforeach()

if(_problems)
  message(FATAL_ERROR "generated/ differs from the generator's output for schema/examples:\n"
                      "${_problems}\n"
                      "If the change is intended, run: tools/update-generated.sh BUILD_DIR")
endif()
list(LENGTH _actual _count)
message(STATUS "generated/ matches a fresh run (${_count} files)")
