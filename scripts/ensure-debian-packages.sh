#!/usr/bin/env bash
# Install Debian packages the tests drive when their command is missing (as root), e.g.
#   scripts/ensure-debian-packages.sh faketime:faketime redis-server:redis-server
# Each argument is command:package.
set -euo pipefail
missing=()
for pair in "$@"; do
  command="${pair%%:*}"
  package="${pair#*:}"
  command -v "$command" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for pair in "$@"; do
  command="${pair%%:*}"
  if ! command -v "$command" >/dev/null 2>&1; then
    echo "ERROR: '$command' is missing; install Debian's '${pair#*:}' package." >&2
    exit 1
  fi
done
