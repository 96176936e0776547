'use strict'
// What a Node user meets first: a wrong argument says which one and what it takes; the library's
// log records reach a function of yours (never with the token); a paid Sale narrows in TypeScript.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Client, MppointError, Simulator, webhook, setLogger } = require('..')

async function failure(p) {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    return e
  }
  assert.fail('expected a failure')
}

test('a wrong or missing argument names the argument and what it takes', async () => {
  const client = new Client({ accessToken: 'APP_USR-x', baseUrl: 'http://127.0.0.1:9', retries: 0 })
  const cases = [
    [() => new Client({}), /new Client\(options\): the field `accessToken` is required/],
    [() => new Client(), /new Client\(options\): options must be an object .*missing/],
    [() => new Client({ accessToken: 42 }), /new Client\(options\): the field `accessToken` must be a string, not number 42/],
    [() => new Client({ accessToken: 't', timeoutMs: '30' }), /the field `timeoutMs` must be a number, not a string/],
    [() => client.getIntent(42), /Client\.getIntent\(intentId\): intentId must be a string, not number 42/],
    [() => client.createIntent('SUC001POS001', {}), /Client\.createIntent\(target, request\): target must be an object \(\{ pos: 'SUC001POS001' \}/],
    [() => client.charge({ pos: 'P' }, { amount: '1.00', description: 5, externalReference: 'r' }), /Client\.charge\(target, request, options\): the field `description` must be a string, not number 5/],
    [() => webhook.verify(undefined, {}), /webhook\.verify\(secret, signed, options\): secret must be a string, but it is missing/],
    [() => webhook.parse(12), /webhook\.parse\(body\): body must be a string or a Buffer, not number 12/],
    [() => setLogger('console'), /setLogger\(logger, options\): logger must be a function or null/],
  ]
  for (const [call, message] of cases) {
    const e = await failure(call)
    assert.ok(e instanceof MppointError, `${e}`)
    assert.equal(e.code, 'INVALID_ARGUMENT')
    assert.match(e.message, message)
    assert.doesNotMatch(e.message, /rust type|napi value|Failed to convert/)
  }
})

test('setLogger receives the library log records, never the token, until setLogger(null)', async (t) => {
  const sim = new Simulator({ pickupDelayMs: 20, stepDelayMs: 20 })
  t.after(() => {
    setLogger(null)
    sim.stop()
  })
  const records = []
  setLogger((r) => records.push(r), { level: 'debug' })
  const client = new Client({ ...sim.clientOptions(), retries: 1, retryBaseDelayMs: 10 })
  sim.addFault({ endpoint: 'GetIntent', kind: { type: 'Status', status: 503 }, times: 1 })
  const e = await failure(client.getIntent('no-such-intent'))
  assert.equal(e.code, 'NOT_FOUND')
  await new Promise((resolve) => setImmediate(resolve)) // records arrive on the JS thread
  assert.ok(records.length > 0, 'no record reached the logger')
  for (const r of records) {
    assert.match(r.level, /^(error|warn|info|debug|trace)$/)
    assert.match(r.target, /^mppoint/)
    assert.ok(!r.message.includes(sim.clientOptions().accessToken), r.message)
  }
  assert.ok(records.some((r) => r.level === 'warn' && /retrying/.test(r.message)), JSON.stringify(records))
  assert.ok(records.some((r) => /no-such-intent/.test(r.message) && /404/.test(r.message)), JSON.stringify(records))

  // A logger that throws breaks nothing; a higher level filters; null stops them.
  setLogger(() => {
    throw new Error('bad logger')
  })
  assert.equal((await failure(client.getIntent('again'))).code, 'NOT_FOUND')
  const warnings = []
  setLogger((r) => warnings.push(r), { level: 'warn' })
  await failure(client.getIntent('quiet'))
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(warnings.filter((r) => r.level === 'info' || r.level === 'debug'), [])
  setLogger(null)
  const before = records.length
  await failure(client.getIntent('silent'))
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(records.length, before)
  assert.equal((await failure(() => setLogger(() => {}, { level: 'loud' }))).code, 'INVALID_ARGUMENT')
})

test("a simulator's clientOptions carry its site and limits: an out-of-limit amount is INVALID_AMOUNT", async (t) => {
  for (const [config, over, words] of [
    [{ site: 'MLB' }, '70000.01', /MLB maximum/],
    [{ site: 'MLA' }, '4000000.01', /MLA maximum/],
    [{ site: 'MLB', limits: { min: '2.00', max: '50.00' } }, '50.01', /maximum of 50\.00/],
  ]) {
    const sim = new Simulator({ ...config, pickupDelayMs: 20, stepDelayMs: 20 })
    t.after(() => sim.stop())
    const client = new Client(sim.clientOptions())
    assert.equal(client.site, config.site)
    const e = await failure(client.charge({ pos: 'SUC001POS001' }, { amount: over, description: 'd', externalReference: 'r' }))
    assert.equal(e.code, 'INVALID_AMOUNT')
    assert.match(e.message, words)
    assert.equal(sim.counters().requests.CreateIntent ?? 0, 0, 'nothing was sent')
  }
})
