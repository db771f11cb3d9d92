// protoc-gen-pubsub: the protoc plugin (see generator.h).
#include "generator.h"
#include "google/protobuf/compiler/plugin.h"

int main(int argc, char* argv[]) {
  pubsub::codegen::Generator generator;
  return google::protobuf::compiler::PluginMain(argc, argv, &generator);
}
