# Install rules: the SDK as a CMake package, so that another project can
#
#   find_package(pubsub CONFIG REQUIRED)
#   pubsub_generate(TARGET my_events PROTOS proto/orders.proto PROTO_ROOT proto)
#   target_link_libraries(my_service PRIVATE my_events)   # brings pubsub::runtime
#
# Everything lives in the install component `pubsub_sdk` (Debian's layout,
# GNUInstallDirs: lib/ is lib/x86_64-linux-gnu/ under /usr):
#   lib/                 libpubsub_runtime.a, libpubsub_proto.a, and the gateway
#                        and CLI cores (libpubsub_gateway_main.a, libpubsub_cli.a
#                        and the libraries they are made of)
#   bin/                 protoc-gen-pubsub (imported as pubsub::protoc-gen-pubsub)
#   include/pubsub/      the runtime API headers, run_gateway.h, run_cli.h,
#                        options.pb.h, envelope.pb.h, and options.proto /
#                        envelope.proto (an import root)
#   lib/cmake/pubsub/    pubsubConfig.cmake (+ version), the exported targets,
#                        PubsubGenerate.cmake, PubsubPrograms.cmake
#
#   cmake --install build --prefix /opt/pubsub --component pubsub_sdk
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PUBSUB_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/pubsub)

# Exported as pubsub::runtime, pubsub::proto, pubsub::protoc-gen-pubsub,
# pubsub::gateway_main and pubsub::cli_main: the same names as the in-tree
# aliases. The libraries the two cores are made of are exported too (static
# libraries carry their dependencies to the final link) under internal_ names:
# they have no installed headers and no stable API.
set_target_properties(pubsub_runtime PROPERTIES EXPORT_NAME runtime)
set_target_properties(pubsub_proto PROPERTIES EXPORT_NAME proto)
set_target_properties(pubsub_gateway_main PROPERTIES EXPORT_NAME gateway_main)
set_target_properties(pubsub_cli PROPERTIES EXPORT_NAME cli_main)
set(_pubsub_internal_libraries
  pubsub_gateway pubsub_http pubsub_ws pubsub_auth pubsub_routing pubsub_gateway_config
  pubsub_grpc_server pubsub_grpc_proto pubsub_bus_factory pubsub_history_api
  pubsub_web_assets)
foreach(_lib IN LISTS _pubsub_internal_libraries)
  string(REPLACE "pubsub_" "internal_" _name ${_lib})
  set_target_properties(${_lib} PROPERTIES EXPORT_NAME ${_name})
endforeach()
install(TARGETS pubsub_runtime pubsub_proto protoc-gen-pubsub pubsub_gateway_main pubsub_cli
                ${_pubsub_internal_libraries}
  EXPORT pubsubTargets
  COMPONENT pubsub_sdk
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

foreach(_dir runtime/include/pubsub server/include/pubsub tools/cli/include/pubsub)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${_dir}
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    COMPONENT pubsub_sdk
    FILES_MATCHING PATTERN "*.h")
endforeach()
# protoc's headers for the SDK's own protos, beside the .proto files (whose
# directory is the import root that generated schemas use).
get_target_property(_pubsub_proto_sources pubsub_proto SOURCES)
list(FILTER _pubsub_proto_sources INCLUDE REGEX "\\.pb\\.h$")
install(FILES ${_pubsub_proto_sources}
  ${PUBSUB_PROTO_DIR}/pubsub/options.proto
  ${PUBSUB_PROTO_DIR}/pubsub/envelope.proto
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pubsub
  COMPONENT pubsub_sdk)

install(EXPORT pubsubTargets
  NAMESPACE pubsub::
  DESTINATION ${PUBSUB_INSTALL_CMAKEDIR}
  COMPONENT pubsub_sdk)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/pubsubConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/pubsubConfig.cmake
  INSTALL_DESTINATION ${PUBSUB_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/pubsubConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/pubsubConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/pubsubConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/PubsubGenerate.cmake
  ${CMAKE_CURRENT_LIST_DIR}/PubsubPrograms.cmake
  DESTINATION ${PUBSUB_INSTALL_CMAKEDIR}
  COMPONENT pubsub_sdk)
