#!/usr/bin/env bash
# The `mppoint` crate with default features is the client alone: no HTTP server, no TLS server
# certificates, no command-line parsing. The simulator (crate mppoint-simulator) and the CLI
# (crate mppoint-cli) carry those. reqwest itself uses hyper and tokio-rustls as a *client*, so
# hyper must appear without its "server" feature and tokio-rustls only under hyper-rustls.
set -euo pipefail
cd "$(dirname "$0")/.."
tree="$(cargo tree -p mppoint -e normal --prefix none --format '{p}')"
features="$(cargo tree -p mppoint -e normal,features --prefix none)"
fail=0
for forbidden in mppoint-simulator mppoint-cli rcgen clap env_logger; do
  if grep -q "^${forbidden} v" <<<"$tree"; then
    echo "check_core_deps: mppoint depends on ${forbidden}" >&2
    fail=1
  fi
done
if grep -Eq '^hyper feature "server"' <<<"$features" || grep -Eq '^hyper-util feature "server' <<<"$features"; then
  echo "check_core_deps: mppoint pulls in an HTTP server (hyper's server feature)" >&2
  fail=1
fi
if cargo tree -p mppoint -e normal -i tokio-rustls --prefix none --format '{p}' 2>/dev/null \
    | grep -v '^tokio-rustls\|^hyper-rustls\|^reqwest\|^mppoint v' | grep -q .; then
  echo "check_core_deps: tokio-rustls reaches mppoint other than through reqwest's hyper-rustls" >&2
  fail=1
fi
[ "$fail" = 0 ] || exit 1
echo "check_core_deps: mppoint has $(sort -u <<<"$tree" | wc -l) crates in its normal tree, none of them a server, rcgen, clap or env_logger"
