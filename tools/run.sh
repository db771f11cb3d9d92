#!/usr/bin/env bash
# `make run`: until the gateway lands, generate the sample schema and show where
# the output is.
set -euo pipefail
build=${1:-build}
echo "Generated C++ for the sample schema (schema/examples/*.proto):"
ls "$build"/generated/sample_schema_gen/*.pubsub.h 2>/dev/null || ls generated/
