'use strict'
// What a newcomer met in the first hour (issue 23): the docs and the errors agree on a bad site,
// a wait's timeout is reported as given, and a simulator's client polls at the simulator's pace.

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const { Client, MppointError } = require('..')
const { startSimulator } = require('./helpers')

function errorTableRow(code) {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  const row = readme.split('\n').find((l) => l.startsWith(`| \`${code}\` |`))
  assert.ok(row, `the README's error table has a row for ${code}`)
  return row
}

test('a bad site raises the code the README and index.d.ts give for it', () => {
  let e
  try {
    new Client({ accessToken: 'APP_USR-x', site: 'XX' })
  } catch (err) {
    e = err
  }
  assert.ok(e instanceof MppointError)
  assert.equal(e.field, 'site')
  assert.match(errorTableRow(e.code), /`site`/, `the README's ${e.code} row names a bad site`)
  assert.doesNotMatch(errorTableRow('CONFIG'), /\bsite\b/, 'CONFIG is not said to cover the site')
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  const ctor = dts.match(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*constructor\(options: ClientOptions\)/)
  assert.ok(ctor, 'the constructor is documented')
  assert.match(ctor[1], new RegExp(`\`${e.code}\` \\(a bad \`site\``))
})

test('a wait timeout of 500 ms is reported as 500 ms, not rounded to 1 s', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const client = new Client({ ...sim.clientOptions(), retries: 0 })
  // .99: the terminal never picks it up, so the wait reaches its deadline.
  const intent = await client.createIntent({ pos: 'SUC001POS001' }, { amount: '10.99', description: 'd', externalReference: 'to-1' })
  await assert.rejects(client.waitForFinal(intent.id, { timeoutMs: 500, pollIntervalMs: 50 }), (e) => {
    assert.equal(e.code, 'WAIT_TIMEOUT')
    assert.match(e.message, /within 500 ms/)
    assert.doesNotMatch(e.message, /within 1 s/)
    return true
  })
  await client.cancelIntent(intent.id)
})

test("a simulator's client polls at the simulator's pace: onStatus sees the intermediate statuses", async (t) => {
  const sim = startSimulator({ pickupDelayMs: 200, stepDelayMs: 200 })
  t.after(() => sim.stop())
  const options = sim.clientOptions()
  assert.equal(options.pollIntervalMs, 100, "half the simulator's shortest step")
  const client = new Client(options)
  const seen = []
  // No pollIntervalMs in the wait: the client's (the simulator's) pace.
  const sale = await client.charge(
    { pos: 'SUC001POS001' },
    { amount: '10.00', description: 'paced', externalReference: 'paced-1' },
    { onStatus: (i) => seen.push(i.status) },
  )
  assert.equal(sale.verdict, 'APPROVED')
  assert.deepEqual(seen, ['OPENED', 'ON_TERMINAL', 'PROCESSING', 'PROCESSED', 'CLOSED'])
  // A client of Mercado Pago keeps the 1 s default; a pace out of range is refused.
  assert.throws(() => new Client({ accessToken: 'APP_USR-x', pollIntervalMs: 5 }), (e) => e.code === 'CONFIG' && /poll interval/.test(e.message))
})
