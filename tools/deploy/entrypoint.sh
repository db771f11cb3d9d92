#!/bin/sh
# The container's entrypoint: applies the container's conventions to
# pubsub-gateway's settings, then execs the gateway, so that the gateway
# itself receives the engine's SIGTERM (and exits 0 after a graceful
# shutdown) with no shell in between.
#
#   entrypoint.sh [FLAG...]             run the gateway with these flags
#   entrypoint.sh healthcheck [PATH]    GET PATH (default /healthz) on the gateway's --listen
#                                       address: the image's HEALTHCHECK; exit 0 when it answers 200
#   entrypoint.sh COMMAND [ARG...]      run another command (e.g. sh, to look inside)
#
# Conventions, each applied only when no flag, PUBSUB_* variable or config
# file line sets the setting already (by exporting its PUBSUB_* variable, so
# --print-config shows them as "env"):
#   config file               /etc/pubsub/gateway.conf, when it exists and neither --config
#                             nor PUBSUB_CONFIG names one
#   listen                    0.0.0.0:8080 (127.0.0.1 cannot be reached from outside)
#   shutdown-timeout-seconds  8 (a graceful stop within the engines' default 10 s grace)
#   jwt-secret-file, jwt-public-key-file, publisher-key-file, redis-password-file:
#                             the secret of the same name without "-file" in the secrets
#                             directory, when it exists: /run/secrets/jwt-secret,
#                             /run/secrets/jwt-public-key, /run/secrets/publisher-key,
#                             /run/secrets/redis-password (where Docker and Podman mount secrets)
#
# Variables of this script (not gateway settings, which the gateway ignores):
#   PUBSUB_GATEWAY_BIN        the gateway program (default: pubsub-gateway, on PATH)
#   PUBSUB_SECRETS_DIR        the secrets directory (default: /run/secrets)
#   PUBSUB_HEALTHCHECK_URL    what healthcheck requests, when the listen address is only in
#                             the container's arguments (the HEALTHCHECK cannot see those)
set -eu

gateway=${PUBSUB_GATEWAY_BIN:-pubsub-gateway}
secrets_dir=${PUBSUB_SECRETS_DIR:-/run/secrets}
default_config=/etc/pubsub/gateway.conf

# The config file the gateway will read: --config in the arguments, else
# PUBSUB_CONFIG, else the default path when it exists (exported for the gateway).
config_file() {
  config=""
  expect_value=no
  for config_arg in "$@"; do
    if [ "$expect_value" = yes ]; then
      config=$config_arg
      expect_value=no
      continue
    fi
    case "$config_arg" in
      --config) expect_value=yes ;;
      --config=*) config=${config_arg#--config=} ;;
    esac
  done
  if [ -z "$config" ]; then config=${PUBSUB_CONFIG:-}; fi
  if [ -z "$config" ] && [ -f "$default_config" ]; then
    config=$default_config
    export PUBSUB_CONFIG="$config"
  fi
}

# is_set NAME ARG...: whether setting NAME comes from the arguments, its
# PUBSUB_* variable (an empty one counts as unset, as for the gateway) or the
# config file (a "NAME = ..." line; comments start with #). POSIX sh has no
# local variables: each function's names are its own.
is_set() {
  set_name=$1
  shift
  for set_arg in "$@"; do
    case "$set_arg" in
      "--$set_name" | "--$set_name="*) return 0 ;;
    esac
  done
  eval "set_value=\${$(variable "$set_name"):-}"
  if [ -n "$set_value" ]; then return 0; fi
  if [ -n "$config" ] && [ -r "$config" ] &&
    grep -Eq "^[[:space:]]*${set_name}[[:space:]]*=" "$config"; then
    return 0
  fi
  return 1
}

# variable NAME: the setting's environment variable, PUBSUB_LISTEN for listen.
variable() {
  printf 'PUBSUB_%s' "$1" | tr 'a-z-' 'A-Z_'
}

# default NAME VALUE ARG...: exports NAME's PUBSUB_* variable unless NAME is set.
default() {
  default_name=$1
  default_value=$2
  shift 2
  if ! is_set "$default_name" "$@"; then
    export "$(variable "$default_name")=$default_value"
  fi
}

apply_conventions() {
  config_file "$@"
  default listen 0.0.0.0:8080 "$@"
  default shutdown-timeout-seconds 8 "$@"
  for secret in jwt-secret jwt-public-key publisher-key redis-password; do
    if [ -f "$secrets_dir/$secret" ]; then
      default "$secret-file" "$secrets_dir/$secret" "$@"
    fi
  done
}

# healthcheck [PATH]: the gateway's own --print-config says where it listens.
healthcheck() {
  path=${1:-/healthz}
  url=${PUBSUB_HEALTHCHECK_URL:-}
  if [ -z "$url" ]; then
    apply_conventions
    listen=$("$gateway" --print-config | awk '$1 == "listen" { print $2 }')
    case "$listen" in
      0.0.0.0:*) listen=127.0.0.1:${listen#0.0.0.0:} ;;
      "[::]:"*) listen="[::1]:${listen##*]:}" ;;
    esac
    case "$listen" in
      "" | *:0)
        echo "healthcheck: no fixed listen address (got '$listen'): set PUBSUB_LISTEN" >&2
        exit 1
        ;;
    esac
    url=http://$listen$path
  fi
  if command -v curl >/dev/null 2>&1; then
    exec curl --fail --silent --show-error --max-time 3 --output /dev/null "$url"
  fi
  exec wget --quiet --timeout=3 --output-document=/dev/null "$url"
}

case "${1:-}" in
  "" | -*)
    apply_conventions "$@"
    exec "$gateway" "$@"
    ;;
  healthcheck)
    shift
    healthcheck "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
