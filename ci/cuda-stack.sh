#!/usr/bin/env bash
# The CUDA recipes end to end on a machine without a GPU: build every CUDA recipe's cu12 and
# cu13 wheels, install both variants of each side by side in one fresh venv from the farm's
# index (NVIDIA's wheels from the machine's configured index), and show that
#   - the two variants of a recipe own no file in common,
#   - ldd resolves every CUDA library of every library and module into NVIDIA's wheels,
#   - no wheel of ours carries libcudart, libcufft, libcuda or libnvidia-ml,
#   - farm audit passes, farm doctor explains the machine, load_library() works and
#     cudaGetDeviceCount answers "no device" without crashing,
#   - benchmarks/cuda_size.py against RAPIDS' libucx-cu12 / -cu13.
#
#   bash ci/cuda-stack.sh            # farm root: this checkout (or FARM_WORK/FARM_WHEELHOUSE/FARM_INDEX)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/farm ] || bash ci/setup.sh
farm=.venv/bin/farm
recipes=(hwloc ucx)
[ -f recipes/starpu/recipe.yaml ] && recipes+=(starpu)
wheelhouse="${FARM_WHEELHOUSE:-$PWD/wheelhouse}"
index="${FARM_INDEX:-$PWD/index}"

step() { printf '\n== %s\n' "$*"; }

step "build: ${recipes[*]} (each in cu12 and cu13)"
start=$SECONDS
"$farm" build "${recipes[@]}"
echo "built in $((SECONDS - start)) s"

step "no NVIDIA or driver library inside our wheels"
status=0
for w in "$wheelhouse"/wheelfarm_*_cu1[23]-*.whl; do
  if unzip -l "$w" | grep -E 'libcudart|libcufft|libcuda\.so|libnvidia-ml|\.libs/' ; then
    echo "FAIL: $(basename "$w") carries a CUDA or grafted library"; status=1
  fi
done
[ "$status" = 0 ] && echo "none in $(ls "$wheelhouse"/wheelfarm_*_cu1[23]-*.whl | wc -l) wheels"

step "farm audit"
"$farm" audit "$wheelhouse"/wheelfarm_*_cu1[23]-*.whl

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
step "one venv, both variants of every recipe"
python3 -m venv "$work/venv"
py="$work/venv/bin/python"
wanted=()
for r in "${recipes[@]}"; do wanted+=("wheelfarm-$r-cu12" "wheelfarm-$r-cu13"); done
"$py" -m pip install -q --disable-pip-version-check --extra-index-url "file://$index/simple/" "${wanted[@]}"
"$py" -m pip list --disable-pip-version-check 2>/dev/null | grep -iE 'wheelfarm|nvidia'
site="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')"

step "the variants own no file in common"
for r in "${recipes[@]}"; do
  m="${r//-/_}"
  common="$(comm -12 <(cut -d, -f1 "$site"/wheelfarm_${m}_cu12-*.dist-info/RECORD | sort) \
                     <(cut -d, -f1 "$site"/wheelfarm_${m}_cu13-*.dist-info/RECORD | sort))"
  if [ -n "$common" ]; then echo "FAIL: $r: $common"; status=1; else echo "$r: none"; fi
done

step "ldd: every CUDA dependency from NVIDIA's wheels (no LD_LIBRARY_PATH)"
for lib in $(find "$site/wheelfarm" -path '*_cu1[23]/lib/*' -name '*.so*' -type f); do
  [ "$(head -c 4 "$lib" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  while read -r line; do
    name="$(awk '{print $1}' <<< "$line")"; where="$(awk '{print $3}' <<< "$line")"
    case "$name" in
      libcuda.so.1|libnvidia-ml.so.1) echo "  $(basename "$lib"): $name => the driver's (${where:-not found here})" ;;
      *)
        real="$(readlink -f "$where" 2>/dev/null || true)"
        case "$real" in
          "$site"/nvidia/*) echo "  $(basename "$lib"): $name => ${real#$site/}" ;;
          *) echo "FAIL: $(basename "$lib"): $name => ${where:-not found}"; status=1 ;;
        esac ;;
    esac
  done < <(env -u LD_LIBRARY_PATH ldd "$lib" | grep -E 'libcudart|libcufft|libcuda\.so|libnvidia-ml' || true)
done

step "load_library() of every recipe, one process per CUDA major; the runtime answers without a GPU"
# one process takes one CUDA major: the two variants' libraries share their sonames (libucs.so.0)
for v in cu12 cu13; do
  "$py" - "$v" "${recipes[@]}" <<'EOF'
import ctypes, importlib, sys
v, recipes = sys.argv[1], sys.argv[2:]
for r in recipes:
    m = importlib.import_module(f"wheelfarm.{r.replace('-', '_')}_{v}")
    print(f"{r}-{v}: loaded {len(m.load_library())} libraries from {m.lib_dir()}")
cudart = ctypes.CDLL("libcudart.so." + v[2:])  # already loaded from NVIDIA's wheel by load_library()
n = ctypes.c_int(-1)
err = cudart.cudaGetDeviceCount(ctypes.byref(n))
cudart.cudaGetErrorString.restype = ctypes.c_char_p
print(f"{v}: cudaGetDeviceCount -> {err} ({cudart.cudaGetErrorString(err).decode()}), {n.value} device(s)")
EOF
done

step "hwloc and UCX executables of both variants"
"$work/venv/bin/lstopo-no-graphics-cu12" --of console | head -5
"$work/venv/bin/ucx_info-cu13" -v | head -1
"$work/venv/bin/ucx_info-cu13" -d | grep -E 'Transport' | sort | uniq -c

step "farm doctor"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check "$PWD" 2>/dev/null || true
"$work/venv/bin/farm" doctor || true

step "size against RAPIDS"
.venv/bin/python benchmarks/cuda_size.py --wheelhouse "$wheelhouse" || status=1

exit "$status"
