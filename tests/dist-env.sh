# Sourced (not run) by the scripts that build what we ship: ffi-c/bundle.sh, python/dist.sh,
# node/dist.sh. It sets up one build of the three libraries that runs on old Linux systems:
#
#   - the `dist` profile of the root Cargo.toml (no debug info, stripped, fat LTO);
#   - `--target x86_64-unknown-linux-gnu`, linked (and ring's C code compiled) by Zig against
#     glibc 2.17, the manylinux2014 baseline, through cargo-zigbuild's `zig cc` wrapper;
#   - the same compiler, linker and target for all three, so the dependencies compile once and
#     the three builds share them in target/x86_64-unknown-linux-gnu/dist/.
#
# Zig, cargo-zigbuild, maturin and auditwheel come from PyPI into a private virtualenv under the
# target directory (target/dist-tools/), installed on first use.
#
# After sourcing: $DIST_TARGET, $DIST_PROFILE, $DIST_OUT (where the libraries land), $DIST_TOOLS
# (the virtualenv's bin/, first on PATH), $DIST_ROOT (the repository), and the CC/AR/linker
# variables of $DIST_TARGET pointing at Zig.

DIST_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST_TARGET=x86_64-unknown-linux-gnu
DIST_GLIBC=2.17
DIST_PROFILE=dist
# The versions we ship with; bump together and note it in the commit.
DIST_PY_TOOLS=("maturin==1.16.0" "ziglang==0.17.1" "cargo-zigbuild==0.24.1" "auditwheel==6.8.2")

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "dist-env.sh: the release build here targets Linux x86_64 only (this is $(uname -s)-$(uname -m));" >&2
  echo "  other platforms are built by .github/workflows/release.yml" >&2
  return 1 2>/dev/null || exit 1
fi
command -v cargo >/dev/null || {
  echo "dist-env.sh: building the packages needs the Rust toolchain (cargo): install it from https://rustup.rs" >&2
  return 1 2>/dev/null || exit 1
}

_dist_target_dir="$(cd "$DIST_ROOT" && cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
DIST_OUT="$_dist_target_dir/$DIST_TARGET/$DIST_PROFILE"
_dist_home="$_dist_target_dir/dist-tools"
DIST_TOOLS="$_dist_home/venv/bin"

if ! "$DIST_TOOLS/python" -m pip show --quiet "${DIST_PY_TOOLS[@]%%==*}" >/dev/null 2>&1 \
   || [ "$(cat "$_dist_home/tools.txt" 2>/dev/null)" != "${DIST_PY_TOOLS[*]}" ]; then
  echo "dist-env.sh: installing ${DIST_PY_TOOLS[*]} into $_dist_home/venv"
  mkdir -p "$_dist_home"
  [ -x "$DIST_TOOLS/python" ] || python3 -m venv "$_dist_home/venv"
  "$DIST_TOOLS/python" -m pip install --quiet --disable-pip-version-check "${DIST_PY_TOOLS[@]}"
  echo "${DIST_PY_TOOLS[*]}" > "$_dist_home/tools.txt"
fi
export PATH="$DIST_TOOLS:$PATH"

# The wrappers cargo-zigbuild would write, written here once with fixed paths, so that maturin,
# napi-rs and plain cargo all see exactly the same environment (a different CC for the same
# target would make cargo rebuild ring and everything above it).
_dist_bin="$_dist_home/bin"
mkdir -p "$_dist_bin"
_dist_zig_env="export CARGO_ZIGBUILD_ZIG_COMMAND='$DIST_TOOLS/python3'
export CARGO_ZIGBUILD_ZIG_COMMAND_ARGS='-m ziglang'"
for _tool in cc c++; do
  printf '#!/bin/sh\n%s\nexec "%s/cargo-zigbuild" zig %s -- -g -fno-sanitize=all -target x86_64-linux-gnu.%s "$@"\n' \
    "$_dist_zig_env" "$DIST_TOOLS" "$_tool" "$DIST_GLIBC" > "$_dist_bin/zig$_tool.tmp"
  chmod +x "$_dist_bin/zig$_tool.tmp"
  cmp -s "$_dist_bin/zig$_tool.tmp" "$_dist_bin/zig$_tool" 2>/dev/null && rm "$_dist_bin/zig$_tool.tmp" \
    || mv "$_dist_bin/zig$_tool.tmp" "$_dist_bin/zig$_tool"
done
for _tool in ar ranlib; do
  printf '#!/bin/sh\n%s\nexec "%s/cargo-zigbuild" zig %s -- "$@"\n' "$_dist_zig_env" "$DIST_TOOLS" "$_tool" \
    > "$_dist_bin/zig$_tool.tmp"
  chmod +x "$_dist_bin/zig$_tool.tmp"
  cmp -s "$_dist_bin/zig$_tool.tmp" "$_dist_bin/zig$_tool" 2>/dev/null && rm "$_dist_bin/zig$_tool.tmp" \
    || mv "$_dist_bin/zig$_tool.tmp" "$_dist_bin/zig$_tool"
done
export CC_x86_64_unknown_linux_gnu="$_dist_bin/zigcc"
export CXX_x86_64_unknown_linux_gnu="$_dist_bin/zigc++"
export AR_x86_64_unknown_linux_gnu="$_dist_bin/zigar"
export RANLIB_x86_64_unknown_linux_gnu="$_dist_bin/zigranlib"
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER="$_dist_bin/zigcc"
unset _dist_target_dir _dist_home _dist_bin _dist_zig_env _tool

# Prints "NAME: SIZE bytes (N.N MB), limit L MB" and fails when SIZE is over the limit.
dist_size_check() {
  local name="$1" file="$2" limit_mb="$3" size
  size=$(stat -c %s "$file")
  python3 -c 'import sys; n, s, l = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]); print(f"size: {n}: {s} bytes ({s/1e6:.1f} MB), limit {l:g} MB"); sys.exit(s > l * 1e6)' \
    "$name" "$size" "$limit_mb" || { echo "dist: $name is over its size limit" >&2; return 1; }
}
