#!/usr/bin/env bash
# Sets up a development environment on a fresh Debian machine: the system tools farm's
# builds and tests use (when missing) and a virtual environment in .venv with farm in it.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for tool in gcc:gcc g++:g++ gfortran:gfortran make:make patch:patch strip:binutils tclsh:tcl nasm:nasm git:git chromium:chromium \
    autoconf:autoconf automake:automake libtoolize:libtool; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool##*:}")
done
if ((${#need[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -q && apt-get install -y -q "${need[@]}"
  else
    echo "missing system tools; install them with: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[build,test,bot]"
