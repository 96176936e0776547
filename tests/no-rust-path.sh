# Sourced by the test scripts that install what we ship the way a user without Rust does.
# Sets NO_RUST_PATH: $PATH without any directory that holds cargo, rustc or rustup, and fails if
# cargo or rustc can still be found through it.
NO_RUST_PATH=""
_IFS_SAVED=$IFS
IFS=:
for _d in $PATH; do
  if [ -z "$_d" ] || [ -e "$_d/cargo" ] || [ -e "$_d/rustc" ] || [ -e "$_d/rustup" ]; then continue; fi
  NO_RUST_PATH="${NO_RUST_PATH:+$NO_RUST_PATH:}$_d"
done
IFS=$_IFS_SAVED
unset _d _IFS_SAVED
if PATH="$NO_RUST_PATH" command -v cargo >/dev/null 2>&1 || PATH="$NO_RUST_PATH" command -v rustc >/dev/null 2>&1; then
  echo "no-rust-path.sh: cargo or rustc is still reachable without the Rust directories of PATH" >&2
  return 1 2>/dev/null || exit 1
fi
export NO_RUST_PATH
