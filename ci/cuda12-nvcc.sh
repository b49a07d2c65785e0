#!/usr/bin/env bash
# CUDA 12's nvcc without installing anything: farm.debtools unpacks Debian trixie's non-free
# nvidia-cuda-toolkit (with the headers and libcudart it needs) into a tool prefix in farm's
# cache, and a small kernel is compiled and linked into a shared library with it, SASS for
# sm_75 and PTX for compute_90. The machine may have another CUDA (/usr/local/cuda): the
# compile runs with a PATH without /usr/local, under strace, and fails if anything there is
# opened or run. Usage: ci/cuda12-nvcc.sh [CACHE] (default: farm's cache).
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${1:-$(.venv/bin/python -c 'from farm.settings import load_settings; print(load_settings().cache)')}

read -r prefix nvcc include < <(.venv/bin/python -c '
import sys
from pathlib import Path
from farm.debtools import CUDA12_NVCC, include_dir, nvcc_path, tool_prefix

class Say:
    def info(self, message: str) -> None:
        print(message, file=sys.stderr)

prefix = tool_prefix(CUDA12_NVCC, Path(sys.argv[1]), Say())
print(prefix, nvcc_path(prefix), include_dir(prefix))
' "$cache")
echo "== prefix: $prefix ($(du -sh "$prefix" | cut -f1) unpacked)"
.venv/bin/python - "$prefix/.farm-tools.json" <<'EOF'
import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    print(f"   {p['package']} {p['version']}: {int(p['size']) / 1e6:.1f} MB, sha256 {p['sha256']}")
EOF

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/vadd.cu" <<'EOF'
#include <cuda_runtime.h>

__global__ void vadd(const float* a, const float* b, float* c, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}

// a, b, c are device pointers; returns the launch's cudaError_t
extern "C" int vadd_launch(const float* a, const float* b, float* c, int n) {
    vadd<<<(n + 255) / 256, 256>>>(a, b, c, n);
    return static_cast<int>(cudaGetLastError());
}
EOF

clean_env=(env -i "HOME=$HOME" "PATH=/usr/bin:/bin" "TMPDIR=$work")
echo "== $("${clean_env[@]}" "$nvcc" --version | tail -2 | head -1)"
cd "$work"
"${clean_env[@]}" strace -f -qq -e trace=openat,execve -o trace.txt \
  "$nvcc" -v -shared -Xcompiler -fPIC -cudart shared \
  -gencode arch=compute_75,code=sm_75 -gencode arch=compute_90,code=compute_90 \
  -o libvadd.so vadd.cu 2> nvcc-v.txt
echo "== nvcc -v: the paths it resolved (realpath)"
for var in INCLUDES LIBRARIES NVVMIR_LIBRARY_DIR PATH; do
  line=$(grep -m1 "^#\$ $var=" nvcc-v.txt | cut -d= -f2- | tr -d '"')
  printf '   %s:' "$var"
  for word in $(echo "$line" | tr ':' ' '); do
    path=${word#-I}; path=${path#-L}
    printf ' %s' "$(realpath -m "$path")"
  done
  echo
done
echo "== the host compiler: $(grep -m1 -- '--gnu_version=' nvcc-v.txt | grep -o -- '--gnu_version=[0-9]*')"
echo "== the CUDA tools run (execve, succeeded):"
grep execve trace.txt | grep -v ENOENT | grep -o 'execve("[^"]*"' | cut -d'"' -f2 | xargs -n1 realpath \
  | sort -u | sed "s#^$prefix#<prefix>#" | grep -E '<prefix>' | sed 's/^/   /'
if grep -v ENOENT trace.txt | grep -E '"/usr/local/(cuda|bin)|cuda-1[0-9]'; then
  echo "FAIL: the compile touched another CUDA (above)" >&2
  exit 1
fi
echo "   nothing opened or run from /usr/local/cuda or /usr/local/bin"

echo "== $(file -b libvadd.so | cut -d, -f1-2)"
if [ -x "$prefix/usr/bin/cuobjdump" ]; then
  elf=$("$prefix/usr/bin/cuobjdump" --list-elf libvadd.so)
  ptx=$("$prefix/usr/bin/cuobjdump" --list-ptx libvadd.so)
  echo "== cuobjdump --list-elf (the kernel's and the device link's SASS):"; echo "$elf" | sed 's/^/   /'
  echo "== cuobjdump --list-ptx:"; echo "$ptx" | sed 's/^/   /'
  [[ $elf == *sm_75.cubin* ]] || { echo "FAIL: no sm_75 SASS" >&2; exit 1; }
  [[ $ptx == *sm_90.ptx* ]] || { echo "FAIL: no compute_90 PTX" >&2; exit 1; }
fi
echo "== readelf -S:"; readelf -SW libvadd.so | grep -E 'nv_fatbin|nvFatBinSegment' | sed 's/^ */   /'
echo "== readelf -d (NEEDED):"; readelf -d libvadd.so | grep NEEDED | sed 's/^ */   /'
[[ $(readelf -d libvadd.so) == *'[libcudart.so.12]'* ]] || { echo "FAIL: libcudart.so.12 not NEEDED" >&2; exit 1; }
echo "== nm -D: $(nm -D --defined-only libvadd.so | grep -c vadd_launch) vadd_launch"
# it loads against the prefix's libcudart.so.12 (no GPU needed to load it)
LD_LIBRARY_PATH="$(dirname "$(find "$prefix/usr/lib" -name 'libcudart.so.12' | head -1)")" \
  "${OLDPWD}/.venv/bin/python" -c 'import ctypes; ctypes.CDLL("./libvadd.so").vadd_launch; print("== loads: vadd_launch resolved, libcudart.so.12 from the prefix")'
echo "OK: CUDA 12 nvcc from the tool prefix built libvadd.so"
