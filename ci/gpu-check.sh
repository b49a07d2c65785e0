#!/usr/bin/env bash
# The CUDA wheels on a machine with an NVIDIA GPU and driver: what a CPU-only build machine
# cannot show. Installs the farm's CUDA wheels of one variant into a fresh venv, offline, and
#   - reads the driver through farm doctor and picks the variant it runs (cu13 needs >= 580),
#   - ucx_info -d lists the cuda_copy and cuda_ipc transports,
#   - ucx_perftest moves CUDA memory between two processes (tag bandwidth, cuda memory type),
#   - hwloc's lstopo sees the GPU through its CUDA and NVML plugins,
#   - StarPU (when its wheel is there) runs its FFT on the GPU.
#
#   bash ci/gpu-check.sh WHEELS_DIR [cu12|cu13]
#
# WHEELS_DIR holds the farm's wheels (wheelfarm_hwloc_cu13-*.whl, wheelfarm_ucx_cu13-*.whl,
# ...) and NVIDIA's they depend on (nvidia_cuda_runtime-*.whl, ...): the machine needs no
# network. Everything it runs is printed; it exits non-zero at the first check that fails.
set -euo pipefail

wheels="$(cd "${1:?usage: ci/gpu-check.sh WHEELS_DIR [cu12|cu13]}" && pwd)"
variant="${2:-}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python="${PYTHON:-python3}"

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "the machine"
command -v nvidia-smi > /dev/null && run nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true

step "a fresh venv with farm, offline"
run "$python" -m venv "$work/venv"
py="$work/venv/bin/python"
run "$py" -m pip install -q --no-index --find-links "$wheels" "$here" 2> /dev/null \
  || run "$py" -m pip install -q "$here"

if [ -z "$variant" ]; then
  step "which variant the driver runs (farm doctor)"
  run "$work/venv/bin/farm" doctor || true
  variant="$("$py" - <<'EOF'
from farm.doctor.nvidia import driver_supports, read_driver
d = read_driver()
if not d.present or not d.driver_version:
    raise SystemExit("no NVIDIA driver on this machine: nothing to check on a GPU")
print("cu13" if driver_supports(d.driver_version, 13) else "cu12")
EOF
)"
fi
echo "variant: $variant"

step "the $variant wheels and NVIDIA's, from $wheels"
wanted=()
for w in "$wheels"/wheelfarm_*_"${variant}"-*.whl; do
  [ -e "$w" ] && wanted+=("$(basename "$w" | cut -d- -f1 | tr _ -)")
done
[ "${#wanted[@]}" -gt 0 ] || { echo "no wheelfarm_*_${variant} wheels in $wheels" >&2; exit 1; }
run "$py" -m pip install -q --no-index --find-links "$wheels" "${wanted[@]}"
bin="$work/venv/bin"

step "ldd: every CUDA library from NVIDIA's wheels, none from the system"
site="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')"
for lib in "$site"/wheelfarm/*_"$variant"/lib/*.so.* "$site"/wheelfarm/*_"$variant"/lib/*/*.so*; do
  [ -f "$lib" ] || continue
  ldd "$lib" | grep -E 'libcudart|libcufft|libnvidia-ml|libcuda\.' | sed "s|^|  $(basename "$lib"): |" || true
  if ldd "$lib" | grep -E 'libcudart|libcufft' | grep -v "$site" | grep -q '=>'; then
    echo "$lib resolves a CUDA library outside the venv" >&2; exit 1
  fi
done

if [ -x "$bin/ucx_info-$variant" ]; then
  step "UCX: the CUDA transports"
  run "$bin/ucx_info-$variant" -v
  "$bin/ucx_info-$variant" -d | tee "$work/ucx_info.txt" | grep -E 'Transport|Device' | sort | uniq -c
  grep -q 'Transport: cuda_copy' "$work/ucx_info.txt" || { echo "no cuda_copy transport" >&2; exit 1; }
  grep -q 'Transport: cuda_ipc' "$work/ucx_info.txt" || { echo "no cuda_ipc transport" >&2; exit 1; }

  step "UCX: ucx_perftest moves CUDA memory (server and client on this machine)"
  port=$((20000 + RANDOM % 10000))
  "$bin/ucx_perftest-$variant" -p "$port" -t tag_bw -m cuda -s 1048576 -n 200 > "$work/server.txt" 2>&1 &
  server=$!
  sleep 2
  run "$bin/ucx_perftest-$variant" localhost -p "$port" -t tag_bw -m cuda -s 1048576 -n 200
  wait "$server"
fi

if [ -x "$bin/lstopo-no-graphics-$variant" ]; then
  step "hwloc: lstopo sees the GPU"
  "$bin/lstopo-no-graphics-$variant" --of console | tee "$work/lstopo.txt" | grep -iE 'cuda|nvml|CoProc|GPU' || true
  grep -qiE 'cuda[0-9]|CoProc' "$work/lstopo.txt" || { echo "lstopo shows no CUDA device" >&2; exit 1; }
fi

if [ -x "$bin/starpu_machine_display-$variant" ]; then
  step "StarPU: the GPU as a worker, and its FFT on it"
  run "$bin/starpu_machine_display-$variant"
  "$py" - "$variant" <<'EOF'
import ctypes, importlib, sys
m = importlib.import_module(f"wheelfarm.starpu_{sys.argv[1]}")
m.load_library()
print("starpu loaded from", m.lib_dir())
EOF
fi

step "OK: $variant wheels work on this GPU"
