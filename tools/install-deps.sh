#!/usr/bin/env bash
# Installs what building, running and testing need: the Debian 12 packages
# below, then the npm packages of package.json (pinned by package-lock.json)
# into node_modules/ at the repository root.
# Idempotent: a second run finds everything present and installs nothing.
# Used by both `make run` and `make test`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake make git pkg-config ccache clang-format
  protobuf-compiler libprotobuf-dev libprotoc-dev
  libgrpc++-dev protobuf-compiler-grpc libabsl-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libhiredis-dev libspdlog-dev libfmt-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  redis-server python3 python3-websockets python3-grpcio python3-grpc-tools python3-protobuf
  python3-pkg-resources curl
  nodejs npm chromium
)

# chromium: the browser tests (tests/browser/) drive Debian's Chromium with
# playwright-core; no browser is ever downloaded by npm.
# A package is present when dpkg has it installed. Node.js and npm also count
# as present when their commands exist: a Node.js from elsewhere (NodeSource's
# nodejs bundles npm and conflicts with Debian's npm) must not be replaced.
present() {
  case "$1" in
    nodejs) command -v node >/dev/null 2>&1 && return 0 ;;
    npm) command -v npm >/dev/null 2>&1 && return 0 ;;
  esac
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for p in "${packages[@]}"; do
  if ! present "$p"; then missing+=("$p"); fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages (the catalogue test's AsyncAPI parser and JSON Schema
# validator, TypeScript, playwright-core, ws): `npm ci` installs exactly
# package-lock.json, again whenever it changed since the last install (a copy
# of it is kept in node_modules/ as the stamp). .npmrc turns off install
# scripts, audit and funding calls.
stamp="$root/node_modules/.pubsub-package-lock.json"
if cmp -s "$root/package-lock.json" "$stamp"; then
  echo "install-deps: npm packages present"
else
  echo "install-deps: npm ci"
  (cd "$root" && npm ci --include=dev --no-audit --no-fund --loglevel=error)
  cp "$root/package-lock.json" "$stamp"
fi
