'use strict'
// The README's JavaScript and TypeScript examples (the repository's README.md and node/README.md),
// extracted as written: all are compiled by `tsc --strict` (the JavaScript ones with `checkJs`), and
// each is run against a simulator (TypeScript transpiled first). Only where an example reaches
// Mercado Pago does the test step in: `require('mppoint')` gives a `Client` pointed at the
// simulator. The Express example is run by webhook.test.js (it listens forever as a program).
// The TypeScript examples are also checked in the ES-module form: compiled by `tsc --strict` with
// `module: nodenext` as .mts files (resolving `mppoint` through package.json `exports`), and run
// as .mjs files.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const { execFileSync, spawnSync } = require('node:child_process')

const nodeDir = path.join(__dirname, '..')
const readmes = [path.join(nodeDir, '..', 'README.md'), path.join(nodeDir, 'README.md')]

function blocks() {
  const out = []
  for (const file of readmes) {
    const text = fs.readFileSync(file, 'utf8')
    let n = 0
    for (const m of text.matchAll(/```(js|ts)\n([\s\S]*?)```/g)) {
      n++
      out.push({ name: `${path.relative(path.join(nodeDir, '..'), file)}#${n}`, lang: m[1], code: m[2] })
    }
  }
  return out
}

// Loaded before each example: `mppoint` resolves to this package, and its Client talks to a
// simulator with the simulator's token, whatever the example passes (unless it passes the options
// of a simulator the example started itself).
const PRELOAD = `
const Module = require('node:module')
const path = require('node:path')
const pkg = ${JSON.stringify(path.join(nodeDir, 'index.js'))}
const resolve = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  return request === 'mppoint' ? pkg : resolve.call(this, request, ...rest)
}
const m = require(pkg)
const sim = new m.Simulator({ pickupDelayMs: 20, stepDelayMs: 20 })
// A simulator the example starts itself (the sandbox's virtual terminal, say) is left to it.
const own = new Set()
class Simulator extends m.Simulator {
  constructor(config) {
    super(config)
    own.add(this.baseUrl)
  }
}
m.Simulator = Simulator
const Real = m.Client
class Client extends Real {
  constructor(options) {
    super(options && own.has(options.baseUrl) ? options : { ...options, ...sim.clientOptions() })
  }
}
m.Client = Client
process.on('exit', () => sim.stop())
`

test('the README examples compile under tsc --strict and run against the simulator', async (t) => {
  const all = blocks()
  assert.ok(all.some((b) => b.name.startsWith('README.md') && b.lang === 'js'), 'the main README has a Node example')
  assert.ok(all.some((b) => b.lang === 'ts'), 'node/README.md has a TypeScript example')
  const dir = fs.mkdtempSync(path.join(__dirname, '.readme-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  // A JavaScript example written with `import` is an ES module (.mjs): checked with the others
  // in the ES-module form below.
  const files = all.map((b, i) => {
    const esmJs = b.lang === 'js' && /^import /m.test(b.code)
    const file = path.join(dir, `example${i + 1}.${esmJs ? 'mjs' : b.lang}`)
    fs.writeFileSync(file, b.code)
    return { ...b, esmJs, file }
  })
  // TypeScript under the full --strict; JavaScript under --strict too (null checks: the
  // `approvedPayment` of an unpaid sale), less the two checks that ask for annotations plain JS
  // cannot write (implicit any parameters, `unknown` in catch).
  const tsc = require.resolve('typescript/bin/tsc')
  for (const lang of ['ts', 'js']) {
    const config = path.join(dir, `tsconfig.${lang}.json`)
    fs.writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          ...(lang === 'js' ? { noImplicitAny: false, useUnknownInCatchVariables: false } : {}),
          noEmit: true,
          allowJs: true,
          checkJs: true,
          skipLibCheck: true,
          target: 'es2022',
          module: 'commonjs',
          moduleResolution: 'node',
          types: ['node'],
          baseUrl: nodeDir,
          paths: { mppoint: ['index.d.ts'] },
        },
        files: files.filter((f) => f.lang === lang && !f.esmJs).map((f) => f.file),
      }),
    )
    try {
      execFileSync(process.execPath, [tsc, '-p', config], { encoding: 'utf8', stdio: 'pipe' })
    } catch (e) {
      const map = files.map((f) => `${path.basename(f.file)} = ${f.name}`).join('\n')
      assert.fail(`tsc --strict refused a README example:\n${e.stdout}${e.stderr}\n${map}`)
    }
  }

  const ts = require('typescript')
  const preload = path.join(dir, 'preload.js')
  fs.writeFileSync(preload, PRELOAD)
  for (const f of files) {
    if (f.esmJs || f.code.includes('require.main === module')) continue
    let file = f.file
    if (f.lang === 'ts') {
      file = f.file.replace(/\.ts$/, '.js')
      const js = ts.transpileModule(f.code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } })
      fs.writeFileSync(file, js.outputText)
    }
    const run = spawnSync(process.execPath, ['--require', preload, file], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, MP_ACCESS_TOKEN: 'APP_USR-readme-example', NODE_TEST_CONTEXT: undefined },
    })
    assert.equal(run.status, 0, `${f.name} failed:\n${run.stdout}\n${run.stderr}`)
    if (f.code.includes('.charge(') && !f.code.includes("require('node:test')")) {
      assert.match(run.stdout, /paid: payment \d+/, `${f.name} printed:\n${run.stdout}\n${run.stderr}`)
    }
  }

  // The ES-module form of the TypeScript examples: `import … from 'mppoint'` as Node runs it.
  // The JavaScript ones written as ES modules (the Express example) are checked beside them.
  const esm = files.filter((f) => f.lang === 'ts' && !f.code.includes('require('))
  assert.ok(esm.length > 0, 'a TypeScript example to run as an ES module')
  assert.ok(files.some((f) => f.esmJs), 'a JavaScript example written as an ES module')
  for (const lang of ['ts', 'js']) {
    const esmConfig = path.join(dir, `tsconfig.esm-${lang}.json`)
    fs.writeFileSync(
      esmConfig,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          ...(lang === 'js' ? { noImplicitAny: false, useUnknownInCatchVariables: false } : {}),
          noEmit: true,
          allowJs: true,
          checkJs: true,
          skipLibCheck: true,
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: ['node'],
        },
        files:
          lang === 'ts'
            ? esm.map((f) => {
                const mts = f.file.replace(/\.ts$/, '.mts')
                fs.writeFileSync(mts, f.code)
                return mts
              })
            : files.filter((f) => f.esmJs).map((f) => f.file),
      }),
    )
    try {
      execFileSync(process.execPath, [tsc, '-p', esmConfig], { encoding: 'utf8', stdio: 'pipe' })
    } catch (e) {
      assert.fail(`tsc --strict (module nodenext) refused a README example as an ES module:\n${e.stdout}${e.stderr}`)
    }
  }
  for (const f of esm) {
    const file = f.file.replace(/\.ts$/, '.mjs')
    const js = ts.transpileModule(f.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
    assert.match(js.outputText, /from 'mppoint'/, `${f.name} imports mppoint as an ES module`)
    fs.writeFileSync(file, js.outputText)
    const run = spawnSync(process.execPath, ['--require', preload, file], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, MP_ACCESS_TOKEN: 'APP_USR-readme-example', NODE_TEST_CONTEXT: undefined },
    })
    assert.equal(run.status, 0, `${f.name} as an ES module failed:\n${run.stdout}\n${run.stderr}`)
    if (f.code.includes('.charge(')) {
      assert.match(run.stdout, /paid: payment \d+/, `${f.name} (ESM) printed:\n${run.stdout}\n${run.stderr}`)
    }
  }
})
