'use strict'

// Finds the native addon of mppoint (napi-rs). In order:
//   1. ./mppoint.node, built from source by `npm run build` (needs the Rust toolchain);
//   2. ./mppoint.<platform>.node, a per-platform build put beside this file;
//   3. the prebuilt package of this platform, `mppoint-<platform>` (e.g. mppoint-linux-x64-gnu),
//      which npm installs through the optionalDependencies of the published package.
// When none is there it throws one line that says which package is missing and what to do.

const fs = require('node:fs')
const path = require('node:path')

// The platforms we publish a package for: package.json `napi.targets`, in napi-rs's naming.
const PUBLISHED = [
  'linux-x64-gnu',
  'linux-arm64-gnu',
  'linux-x64-musl',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
  'win32-arm64-msvc',
]

function isMusl() {
  // glibc's Node reports the glibc version it runs on; musl's reports none.
  try {
    const report = process.report && process.report.getReport()
    const header = report && (typeof report === 'string' ? JSON.parse(report).header : report.header)
    if (header) return !header.glibcVersionRuntime
  } catch (_) {
    // fall through
  }
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl')
  } catch (_) {
    return false
  }
}

function platformKey() {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function load() {
  const key = platformKey()
  for (const file of ['mppoint.node', `mppoint.${key}.node`]) {
    const candidate = path.join(__dirname, file)
    if (fs.existsSync(candidate)) return require(candidate)
  }
  const pkg = `mppoint-${key}`
  try {
    return require(pkg)
  } catch (e) {
    const missing = e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${pkg}'`)
    if (!missing) throw e
  }
  const fromSource = `or build it from source with \`npm run build\` in ${__dirname} (needs the Rust toolchain)`
  if (PUBLISHED.includes(key)) {
    throw new Error(
      `mppoint: the native part for ${key} is missing: install the package ${pkg} (npm skips it with --omit=optional, or when the lockfile was made on another platform: reinstall mppoint), ${fromSource}`,
    )
  }
  throw new Error(`mppoint: no prebuilt native part for ${key} (published: ${PUBLISHED.join(', ')}): ${fromSource}`)
}

module.exports = load()
