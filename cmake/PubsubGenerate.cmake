# pubsub_generate(TARGET name PROTOS a.proto ... [IMPORT_DIRS dir ...] [PROTO_ROOT dir]
#                 [CATALOGUE name] [CATALOGUE_VERSION version])
#
# Runs protoc with protoc-gen-pubsub on PROTOS and builds a static library
# `name` holding the protobuf classes (.pb.cc), the typed publishers,
# subscribers, JSON writers and registry entries (.pubsub.cc), and the schema
# as one unit (name.schema.h: pubsub::schemas::name(), which a gateway or CLI
# built with pubsub_add_gateway/pubsub_add_cli registers). `name` must be a
# C++ identifier.
#
# One protoc run covers all the PROTOS, so they are validated together and
# form one schema with one catalogue: CATALOGUE.asyncapi.json (the AsyncAPI
# 3.0 document; CATALOGUE defaults to the target's name, CATALOGUE_VERSION to
# 0.0.0) and CATALOGUE/<channel>.md, beside the generated code. The target's
# PUBSUB_CATALOGUE property holds the document's path.
#
# For browsers, `name`.d.ts (TypeScript declarations of every event's JSON and
# of the channels) and `name`.js (an ES module without imports exporting the
# runtime value `channels`) are written there too; the target's
# PUBSUB_TYPESCRIPT property holds their directory. Nothing builds them: copy
# them into a web project, or point its bundler or tsconfig "paths" there.
#
#   pubsub_generate(TARGET my_events PROTOS proto/orders.proto PROTO_ROOT proto)
#   target_link_libraries(my_service PRIVATE my_events)
#   // #include "orders.pubsub.h"
#
# PROTO_ROOT (default: the current source dir) is the import root the PROTOS are
# relative to; the generated files mirror their paths below it. IMPORT_DIRS adds
# more import roots. The SDK's own pubsub/options.proto is always importable.
# Generation re-runs when a proto or the plugin itself changes.
function(pubsub_generate)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "TARGET;PROTO_ROOT;CATALOGUE;CATALOGUE_VERSION"
                        "PROTOS;IMPORT_DIRS")
  if(NOT arg_TARGET OR NOT arg_PROTOS)
    message(FATAL_ERROR "pubsub_generate: TARGET and PROTOS are required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pubsub_generate: unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_TARGET MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "pubsub_generate: TARGET ${arg_TARGET} must be a C++ identifier "
                        "(letters, digits, '_'): it names the schema, pubsub::schemas::${arg_TARGET}()")
  endif()
  if(NOT arg_PROTO_ROOT)
    set(arg_PROTO_ROOT ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  get_filename_component(_root ${arg_PROTO_ROOT} ABSOLUTE)
  set(_out ${CMAKE_CURRENT_BINARY_DIR}/${arg_TARGET}_gen)
  file(MAKE_DIRECTORY ${_out})

  set(_import_args -I ${_root})
  foreach(_dir IN LISTS arg_IMPORT_DIRS)
    get_filename_component(_dir ${_dir} ABSOLUTE)
    list(APPEND _import_args -I ${_dir})
  endforeach()
  list(APPEND _import_args -I ${PUBSUB_PROTO_DIR})

  set(_rel_protos)
  set(_abs_protos)
  set(_outputs ${_out}/${arg_TARGET}.schema.h ${_out}/${arg_TARGET}.schema.cc)
  set(_typescript ${_out}/${arg_TARGET}.d.ts ${_out}/${arg_TARGET}.js)
  foreach(_p IN LISTS arg_PROTOS)
    get_filename_component(_abs ${_p} ABSOLUTE)
    file(RELATIVE_PATH _rel ${_root} ${_abs})
    string(REGEX REPLACE "\\.proto$" "" _stem ${_rel})
    list(APPEND _rel_protos ${_rel})
    list(APPEND _abs_protos ${_abs})
    list(APPEND _outputs ${_out}/${_stem}.pb.h ${_out}/${_stem}.pb.cc
                         ${_out}/${_stem}.pubsub.h ${_out}/${_stem}.pubsub.cc)
  endforeach()

  if(NOT arg_CATALOGUE)
    set(arg_CATALOGUE ${arg_TARGET})
  endif()
  set(_catalogue_opt catalogue=${arg_CATALOGUE})
  if(arg_CATALOGUE_VERSION)
    string(APPEND _catalogue_opt ",catalogue_version=${arg_CATALOGUE_VERSION}")
  endif()
  set(_catalogue ${_out}/${arg_CATALOGUE}.asyncapi.json)

  # FindProtobuf's protobuf::protoc is a directory-scoped imported target: a
  # project that add_subdirectory()s the SDK does not see it, but it does see
  # the cached Protobuf_PROTOC_EXECUTABLE.
  if(TARGET protobuf::protoc)
    set(_protoc protobuf::protoc)
  elseif(Protobuf_PROTOC_EXECUTABLE)
    set(_protoc ${Protobuf_PROTOC_EXECUTABLE})
  else()
    message(FATAL_ERROR "pubsub_generate: protoc not found (find_package(Protobuf) first)")
  endif()

  add_custom_command(
    OUTPUT ${_outputs} ${_catalogue} ${_typescript}
    COMMAND ${_protoc}
            --plugin=protoc-gen-pubsub=$<TARGET_FILE:pubsub::protoc-gen-pubsub>
            --cpp_out=${_out} --pubsub_out=${_out}
            --pubsub_opt=schema=${arg_TARGET},${_catalogue_opt} ${_import_args} ${_rel_protos}
    DEPENDS ${_abs_protos} pubsub::protoc-gen-pubsub ${_protoc}
    WORKING_DIRECTORY ${_root}
    COMMENT "protoc-gen-pubsub: ${arg_TARGET}"
    VERBATIM)

  # protobuf's .pb.h names a deprecated enum value itself when it bounds its
  # enum (Status_MAX = STATUS_OLD): a warning in protobuf's code, not the
  # schema's. The generated .pubsub.h includes the .pb.h the same way.
  set(_pb_sources ${_outputs})
  list(FILTER _pb_sources INCLUDE REGEX "\\.pb\\.cc$")
  set_source_files_properties(${_pb_sources} PROPERTIES COMPILE_OPTIONS
    "$<$<CXX_COMPILER_ID:GNU,Clang,AppleClang>:-Wno-deprecated-declarations>")

  add_library(${arg_TARGET} STATIC ${_outputs})
  target_include_directories(${arg_TARGET} PUBLIC $<BUILD_INTERFACE:${_out}>)
  target_link_libraries(${arg_TARGET} PUBLIC pubsub::runtime)
  # Generated code and the runtime headers are C++20: say so to consumers.
  target_compile_features(${arg_TARGET} PUBLIC cxx_std_20)
  set_target_properties(${arg_TARGET} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  set_property(TARGET ${arg_TARGET} PROPERTY PUBSUB_GENERATED_DIR ${_out})
  set_property(TARGET ${arg_TARGET} PROPERTY PUBSUB_CATALOGUE ${_catalogue})
  set_property(TARGET ${arg_TARGET} PROPERTY PUBSUB_TYPESCRIPT ${_out})
endfunction()
