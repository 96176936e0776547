'use strict'
// The package as an ES module and as CommonJS, the way a user's project loads it: through its
// name, `mppoint`, resolved by Node (and by TypeScript) through package.json `exports`. Installed
// (tests/run_node.sh), the consumers sit in the app that installed the tarballs; in the
// repository, in node/ itself (a package may import itself by its name).

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const { execFileSync, spawnSync } = require('node:child_process')

const pkgDir = path.join(__dirname, '..')
const installed = path.basename(path.dirname(pkgDir)) === 'node_modules'
// Where a consumer's code lives: the app that installed mppoint, or the package itself.
const appDir = installed ? path.dirname(path.dirname(pkgDir)) : pkgDir

function consumerDir(t) {
  const dir = fs.mkdtempSync(path.join(appDir, '.mppoint-consumer-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function run(args, cwd) {
  const r = spawnSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_TEST_CONTEXT: undefined },
  })
  assert.equal(r.status, 0, `node ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

test('package.json maps `import` and `require` to their entries and types', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'))
  const root = pkg.exports['.']
  assert.deepEqual(Object.keys(root), ['import', 'require'])
  assert.deepEqual(root.import, { types: './index.d.mts', default: './index.mjs' })
  assert.deepEqual(root.require, { types: './index.d.ts', default: './index.js' })
  for (const f of ['index.mjs', 'index.d.mts', 'index.js', 'index.d.ts']) {
    assert.ok(fs.existsSync(path.join(pkgDir, f)), `${f} is in the package`)
  }
})

test("node --input-type=module -e \"import { Client, Simulator } from 'mppoint'\" works", () => {
  const out = run(
    ['--input-type=module', '-e', "import { Client, Simulator } from 'mppoint'; console.log(typeof Client, typeof Simulator)"],
    appDir,
  )
  assert.equal(out.trim(), 'function function')
})

test('every export of the CommonJS entry is a named export of the ES module, the same object', () => {
  // Node's CommonJS lexer must see every name too (what `import { x }` of index.js itself gets).
  const script = `
    import * as esm from 'mppoint'
    import dflt from 'mppoint'
    import { createRequire } from 'node:module'
    const cjs = createRequire(import.meta.url)('mppoint')
    const names = Object.keys(cjs)
    const missing = names.filter((n) => esm[n] !== cjs[n])
    if (missing.length) throw new Error('not the same in ESM: ' + missing.join(', '))
    if (dflt !== cjs) throw new Error('the default export is not module.exports')
    const lexed = await import(${JSON.stringify(require.resolve('../index.js'))})
    const unlexed = names.filter((n) => !(n in lexed) || lexed[n] !== cjs[n])
    if (unlexed.length) throw new Error("Node's CommonJS lexer misses: " + unlexed.join(', '))
    console.log(names.sort().join(' '))
  `
  const out = run(['--input-type=module', '-e', script], appDir)
  assert.equal(
    out.trim(),
    'Client MppointError Simulator amountCents cents errorCodes setLogger version webhook',
  )
})

test('an .mjs consumer runs a sale against the simulator; its errors are the CommonJS class', (t) => {
  const dir = consumerDir(t)
  const file = path.join(dir, 'sale.mjs')
  fs.writeFileSync(
    file,
    `import { Client, Simulator, MppointError, webhook, cents } from 'mppoint'
import * as mppoint from 'mppoint'
import { createRequire } from 'node:module'

const sim = new Simulator({ pickupDelayMs: 20, stepDelayMs: 20 })
try {
  const client = new Client({ ...sim.clientOptions() })
  const sale = await client.charge(
    { pos: 'SUC001POS001' },
    { amount: cents(1247), description: 'ESM sale', externalReference: 'esm-1' },
    { pollIntervalMs: 20 },
  )
  if (!sale.isPaid) throw new Error('not paid: ' + sale.verdict)
  const ns = new mppoint.Client({ ...sim.clientOptions() })
  let caught
  try {
    await ns.getIntent('')
  } catch (e) {
    caught = e
  }
  const Cjs = createRequire(import.meta.url)('mppoint').MppointError
  if (!(caught instanceof MppointError) || !(caught instanceof Cjs)) throw new Error('not an MppointError: ' + caught)
  const headers = webhook.signedHeaders(sim.webhookSecret, sale.intent.id)
  webhook.verify(sim.webhookSecret, { ...headers, dataId: sale.intent.id })
  // Issue 25's calls through the ES module: a receipt printed on the terminal.
  const receipt = await client.printText('PAX_A910__SMARTPOS0000000001', 'esm-receipt', [{ bold: 'ESM' }, 'Total 12.47'])
  let printed = receipt
  while (!printed.isFinal) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    printed = await client.printAction(receipt.id)
  }
  console.log(\`paid \${sale.approvedPayment.id} \${sale.amount} \${caught.code} print \${printed.status}\`)
} finally {
  sim.stop()
}
`,
  )
  const out = run([file], dir)
  assert.match(out, /^paid \d+ 12\.47 INVALID_ARGUMENT print processed$/m)
})

test('ESM (.mts) and CommonJS (.cts) consumers type-check under tsc --strict, module nodenext, and run', (t) => {
  const dir = consumerDir(t)
  const body = (imports) => `${imports}

export async function till(): Promise<string> {
  const sim = new Simulator({ pickupDelayMs: 20, stepDelayMs: 20 })
  try {
    const client = new Client({ ...sim.clientOptions() })
    const sale: Sale = await client.charge(
      { pos: 'SUC001POS001' },
      { amount: '10.00', description: 'typed', externalReference: 'ts-1' },
      { pollIntervalMs: 20 },
    )
    // Narrowed by isPaid: approvedPayment is a Payment, no check needed.
    if (sale.isPaid) return \`paid \${sale.approvedPayment.id}\`
    return sale.verdict
  } catch (e: unknown) {
    if (e instanceof MppointError) return e.code
    throw e
  } finally {
    sim.stop()
  }
}
`
  fs.writeFileSync(
    path.join(dir, 'esm.mts'),
    body("import { Client, MppointError, Simulator, type Sale } from 'mppoint'") +
      'console.log(await till())\n',
  )
  fs.writeFileSync(
    path.join(dir, 'cjs.cts'),
    body("import { Client, MppointError, Simulator } from 'mppoint'\nimport type { Sale } from 'mppoint'") +
      'till().then((s) => console.log(s))\n',
  )
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        types: ['node'],
        outDir: 'out',
        rootDir: '.',
      },
      files: ['esm.mts', 'cjs.cts'],
    }),
  )
  const tsc = require.resolve('typescript/bin/tsc', { paths: [appDir, pkgDir] })
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8', stdio: 'pipe' })
  } catch (e) {
    assert.fail(`tsc refused a consumer:\n${e.stdout}${e.stderr}`)
  }
  // The compiled files: an ES module that imports, a CommonJS one that requires.
  const esm = fs.readFileSync(path.join(dir, 'out', 'esm.mjs'), 'utf8')
  const cjs = fs.readFileSync(path.join(dir, 'out', 'cjs.cjs'), 'utf8')
  assert.match(esm, /from 'mppoint'/)
  assert.match(cjs, /require\("mppoint"\)/)
  for (const f of ['esm.mjs', 'cjs.cjs']) {
    assert.match(run([path.join(dir, 'out', f)], dir), /^paid \d+$/m, f)
  }
})

test('a type error in an ESM consumer is caught (the check is not vacuous)', (t) => {
  const dir = consumerDir(t)
  fs.writeFileSync(
    path.join(dir, 'bad.mts'),
    "import { Client } from 'mppoint'\nexport const c = new Client({ accesToken: 'x' })\n",
  )
  const tsc = require.resolve('typescript/bin/tsc', { paths: [appDir, pkgDir] })
  const r = spawnSync(
    process.execPath,
    [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', 'bad.mts'],
    { cwd: dir, encoding: 'utf8' },
  )
  assert.notEqual(r.status, 0)
  assert.match(r.stdout, /accesToken/)
})
