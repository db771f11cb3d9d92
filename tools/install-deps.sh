#!/usr/bin/env bash
# Installs the Debian 12 packages that building, running and testing need.
# Idempotent: a second run finds everything present and installs nothing.
# Used by both `make run` and `make test`.
set -euo pipefail

packages=(
  build-essential cmake make git pkg-config ccache clang-format
  protobuf-compiler libprotobuf-dev libprotoc-dev
  libgrpc++-dev protobuf-compiler-grpc libabsl-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libhiredis-dev libspdlog-dev libfmt-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  redis-server python3 python3-websockets python3-grpcio python3-grpc-tools python3-protobuf
  python3-pkg-resources
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
