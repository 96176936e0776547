#!/usr/bin/env bash
# Builds the three API references from the sources, failing on any warning, and checks that the
# READMEs name only files of this repository:
#   1. rustdoc for the client and the simulator (`#![deny(missing_docs)]`, RUSTDOCFLAGS=-D warnings);
#   2. pdoc for the Python package, on the wheel tests/run_python.sh installed (warnings are errors);
#   3. TypeDoc for the Node package's declarations (--treatWarningsAsErrors);
#   4. every relative link of every README resolves inside the repository, and no README names a
#      path of one machine (/work/, /home/, /root/).
# Run after tests/run_python.sh (it uses that script's virtualenv). Output: target/docs/{rust,python,node}.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
out="$ROOT/target/docs"
rm -rf "$out"
mkdir -p "$out"
TYPEDOC_VERSION=0.28.20
PDOC_VERSION=16.0.0

echo "== rustdoc (missing docs and broken links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps -p mppoint -p mppoint-simulator
cp -r target/doc "$out/rust"

echo "== pdoc $PDOC_VERSION on the installed wheel"
VENV="${MPPOINT_PY_VENV:-$ROOT/python/.venv}"
[ -x "$VENV/bin/python" ] || { echo "run_docs.sh: no virtualenv at $VENV: run tests/run_python.sh first" >&2; exit 1; }
"$VENV/bin/pip" install --quiet --disable-pip-version-check "pdoc==$PDOC_VERSION"
(cd / && "$VENV/bin/python" -W error -m pdoc mppoint -o "$out/python") 2>"$out/pdoc.err" \
  || { cat "$out/pdoc.err" >&2; echo "run_docs.sh: pdoc failed (above)" >&2; exit 1; }
if [ -s "$out/pdoc.err" ]; then cat "$out/pdoc.err" >&2; echo "run_docs.sh: pdoc warned (above)" >&2; exit 1; fi
[ -f "$out/python/mppoint.html" ] || { echo "run_docs.sh: pdoc wrote no mppoint.html" >&2; exit 1; }

echo "== TypeDoc $TYPEDOC_VERSION on node/index.d.ts"
tools="$ROOT/target/docs-tools"
if [ ! -x "$tools/node_modules/.bin/typedoc" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --silent --no-audit --no-fund "typedoc@$TYPEDOC_VERSION" "typescript@5" >/dev/null
fi
(cd node && "$tools/node_modules/.bin/typedoc" --entryPoints index.d.ts --out "$out/node" \
  --treatWarningsAsErrors --disableSources --logLevel Warn)

echo "== READMEs name only files of this repository"
python3 - "$ROOT" <<'PY'
import pathlib, re, subprocess, sys
root = pathlib.Path(sys.argv[1])
files = subprocess.run(["git", "ls-files", "*README.md", "README.md"], cwd=root, check=True,
                       capture_output=True, text=True).stdout.split()
bad = []
for f in files:
    text = (root / f).read_text(encoding="utf-8")
    for m in re.finditer(r"(?<![\w.])/(?:work|home|root)/[\w./-]+", text):
        bad.append(f"{f}: names a path of one machine: {m.group(0)}")
    for m in re.finditer(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        link = m.group(1)
        if re.match(r"[a-z]+:", link):
            continue
        if not ((root / f).parent / link).resolve().exists():
            bad.append(f"{f}: link to {link}, which is not in the repository")
print(f"{len(files)} READMEs checked")
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
PY
echo "docs: rust, python and node references built without warnings in target/docs"
