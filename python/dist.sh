#!/usr/bin/env bash
# Builds what we ship of the Python package into OUTDIR:
#   mppoint-VERSION-cp310-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl  (one wheel for
#     CPython 3.10+ on any Linux x86_64 with glibc 2.17 or later: built with the `dist` profile,
#     linked by Zig against glibc 2.17, stripped, checked by auditwheel)
#   mppoint-VERSION.tar.gz  (the sdist: building it needs Rust, and says so when cargo is missing)
# Other platforms' wheels are built by .github/workflows/release.yml.
# Usage: python/dist.sh OUTDIR
set -euo pipefail

outdir=${1:?usage: python/dist.sh OUTDIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../tests/dist-env.sh
source "$root/tests/dist-env.sh"
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
rm -f "$outdir"/mppoint-*.whl "$outdir"/mppoint-*.tar.gz
cd "$root/python"

for f in LICENSE-MIT LICENSE-APACHE; do
  cmp -s "$f" "$root/$f" || { echo "dist.sh: python/$f differs from $root/$f: copy it again" >&2; exit 1; }
done

start=$(date +%s)
# Without --zig: the CC/linker variables of tests/dist-env.sh already point at Zig (the same as
# for the C and Node builds, so the three share their dependencies).
maturin build --quiet --profile "$DIST_PROFILE" --target "$DIST_TARGET" --compatibility manylinux2014 \
  --strip --out "$outdir"
echo "dist.sh: wheel built in $(( $(date +%s) - start )) s (profile $DIST_PROFILE, $DIST_TARGET, glibc $DIST_GLIBC)"
maturin sdist --out "$outdir" >/dev/null

wheel=$(ls "$outdir"/mppoint-*.whl)
sdist=$(ls "$outdir"/mppoint-*.tar.gz)
# auditwheel: the wheel must already be manylinux2014 (nothing to repair, no library to graft).
auditwheel show "$wheel" | tee "$outdir/auditwheel.txt"
tr -s '\n ' '  ' < "$outdir/auditwheel.txt" | grep -q 'is consistent with the following platform tag: "manylinux_2_17_x86_64"' \
  || { echo "dist.sh: auditwheel does not find $wheel consistent with manylinux_2_17 (above)" >&2; exit 1; }
case "$(basename "$wheel")" in
  *-cp310-abi3-*manylinux2014_x86_64*) ;;
  *) echo "dist.sh: unexpected wheel tag: $(basename "$wheel")" >&2; exit 1 ;;
esac
python3 - "$wheel" "$sdist" <<'PY'
import sys, tarfile, zipfile
wheel = zipfile.ZipFile(sys.argv[1]).namelist()
sdist = tarfile.open(sys.argv[2]).getnames()
for f in ("LICENSE-MIT", "LICENSE-APACHE"):
    if not any(n.endswith("/" + f) for n in wheel):
        sys.exit(f"dist.sh: the wheel lacks {f}")
    if not any(n.endswith("/" + f) for n in sdist):
        sys.exit(f"dist.sh: the sdist lacks {f}")
if not any(n.endswith("build_backend/mppoint_backend.py") for n in sdist):
    sys.exit("dist.sh: the sdist lacks build_backend/mppoint_backend.py")
PY
native=$(python3 -c 'import sys, zipfile; print([n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.endswith(".so")][0])' "$wheel")
unzip -p "$wheel" "$native" > "$outdir/native.so"
if readelf -S "$outdir/native.so" | grep -qE '\.(symtab|debug_info)'; then
  echo "dist.sh: $native in the wheel is not stripped" >&2; exit 1
fi
rm -f "$outdir/native.so"
# 4 MB: the wheel carries SQLite (bundled) and the PostgreSQL client for the sale
# journal since issues 20 and 24 (3.2 MB compressed here, over the 3 MB limit set before them).
dist_size_check "$(basename "$wheel")" "$wheel" 4
dist_size_check "$(basename "$sdist")" "$sdist" 3
echo "$wheel"
