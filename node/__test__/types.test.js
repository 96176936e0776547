'use strict'
// The generated index.d.ts type-checks a TypeScript user's code (strict mode), and declares every
// runtime export.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const { execFileSync } = require('node:child_process')

const root = path.join(__dirname, '..')

test('a strict TypeScript program using the API compiles against index.d.ts', () => {
  const tsc = require.resolve('typescript/bin/tsc')
  const file = path.join(__dirname, 'types-usage.ts')
  const args = [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'commonjs', '--moduleResolution', 'node', '--types', 'node', file]
  try {
    execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: 'pipe' })
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`)
  }
})

test('index.d.ts declares every export of index.js', () => {
  const dts = fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8')
  const mod = require('..')
  for (const name of Object.keys(mod)) {
    assert.match(dts, new RegExp(`export declare (class|function|namespace) ${name}\\b`), name)
  }
  for (const name of Object.keys(mod.webhook)) {
    assert.match(dts, new RegExp(`export declare namespace webhook[\\s\\S]*export function ${name}\\(`), `webhook.${name}`)
  }
  for (const [cls, obj] of [['Client', mod.Client], ['Simulator', mod.Simulator]]) {
    const body = dts.match(new RegExp(`export declare class ${cls} \\{([\\s\\S]*?)\\n\\}`))[1]
    for (const m of Object.getOwnPropertyNames(obj.prototype)) {
      if (m === 'constructor') continue
      assert.match(body, new RegExp(`\\b${m}\\b`), `${cls}.${m}`)
    }
  }
})
