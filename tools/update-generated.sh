#!/usr/bin/env bash
# Refreshes generated/ (the checked-in output of protoc-gen-pubsub for the
# sample schema, schema/examples/*.proto: the C++, the catalogue
# sample.asyncapi.json + sample/*.md and the TypeScript ts/sample_schema.d.ts
# + .js) with the plugin of a build tree.
# Run it after an intended change to the generator; the golden test
# (ctest -R codegen.golden_generated) fails until you do.
#
#   tools/update-generated.sh build
set -euo pipefail
build=${1:?usage: tools/update-generated.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)

cmake --build "$build" --target protoc-gen-pubsub >/dev/null
protoc=$(sed -n 's/^Protobuf_PROTOC_EXECUTABLE:FILEPATH=//p' "$build/CMakeCache.txt")
plugin="$build/codegen/protoc-gen-pubsub"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$root/schema/examples" &&
  "${protoc:-protoc}" --plugin=protoc-gen-pubsub="$plugin" --pubsub_out="$scratch" \
    --pubsub_opt=schema=sample_schema,catalogue=sample -I . -I "$root/schema" ./*.proto)

rm -f "$root"/generated/*.pubsub.h "$root"/generated/*.pubsub.cc "$root"/generated/*.schema.*
rm -f "$root"/generated/sample.asyncapi.json "$root"/generated/sample/*.md
rm -f "$root"/generated/ts/*.d.ts "$root"/generated/ts/*.js
mkdir -p "$root/generated/sample" "$root/generated/ts"
cp "$scratch"/*.d.ts "$scratch"/*.js "$root/generated/ts/"
cp "$scratch"/*.pubsub.h "$scratch"/*.pubsub.cc "$scratch"/*.schema.* "$scratch"/sample.asyncapi.json "$root/generated/"
cp "$scratch"/sample/*.md "$root/generated/sample/"
echo "generated/ refreshed:"
(cd "$root" && git status --short generated/)
