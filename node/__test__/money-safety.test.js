'use strict'
// The money-safety promises of issue 9, as a Node POS meets them.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Client, MppointError, webhook } = require('..')
const { startSimulator, clientFor, FAST, rejectsWith, throwsWith } = require('./helpers')

const sale = (amount, ref) => ({ amount, description: 'Sale', externalReference: ref })
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

test('onStatus that throws during a charge rejects with ABORTED carrying the intent id, key and cause', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const boom = new Error('the POS screen crashed')
  const e = await rejectsWith(
    c.charge({ pos: 'SUC001POS001' }, sale('1.44', 'node-abort'), {
      ...FAST,
      onStatus: (x) => {
        if (x.status === 'ON_TERMINAL') throw boom
      },
    }),
    'ABORTED',
  )
  assert.ok(e instanceof MppointError)
  assert.equal(e.cause, boom)
  assert.ok(e.intentId)
  assert.ok(e.idempotencyKey)
  assert.equal(e.externalReference, 'node-abort')
  // The POS can cancel what it left on the terminal.
  sim.cancelOnTerminal(e.intentId)
  assert.equal((await c.saleFor(e.intentId)).verdict, 'CANCELED')
})

test('a lost create is OUTCOME_UNKNOWN, never re-sent; findPayments recovers the sale', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim, { retries: 2 })
  sim.addFault({ endpoint: 'CreateIntent', kind: { type: 'DropAfterProcessing' }, times: 1 })
  const e = await rejectsWith(c.charge({ pos: 'SUC001POS001' }, sale('10.00', 'node-lost'), FAST), 'OUTCOME_UNKNOWN')
  assert.ok(e.idempotencyKey)
  assert.equal(e.externalReference, 'node-lost')
  assert.match(e.message, /external reference/)
  assert.equal(sim.counters().requests.CreateIntent, 1)
  let found = []
  for (let i = 0; i < 300 && found.length === 0; i++) {
    found = await c.findPayments('node-lost')
    if (found.length === 0) await sleep(20)
  }
  assert.equal(found.length, 1)
  assert.equal(found[0].isApproved, true)
  assert.equal(found[0].transactionAmount, '10.00')
  assert.deepEqual(await c.findPayments('node-nothing'), [])
  // The same key for another cart is refused before anything is sent.
  await rejectsWith(
    c.createIntent({ pos: 'SUC001POS001' }, { ...sale('12.00', 'node-lost'), idempotencyKey: e.idempotencyKey }),
    'IDEMPOTENCY_KEY_MISMATCH',
  )
  assert.equal(sim.counters().requests.CreateIntent, 1)
})

test('saleFor takes an intent id and trusts only the API', async (t) => {
  const sim = startSimulator({ pickupDelayMs: 60000 })
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const i = await c.createIntent({ pos: 'SUC001POS001' }, sale('10.00', 'node-forged'))
  await rejectsWith(c.saleFor(i.id), 'INVALID_ARGUMENT')
  await c.cancelIntent(i.id)
  assert.equal((await c.saleFor(i.id)).verdict, 'CANCELED')
})

test('the simulator ignores create keys unless told to honour them', async (t) => {
  const sim = startSimulator({ pickupDelayMs: 60000 })
  t.after(() => sim.stop())
  const c = clientFor(sim, { retries: 0 })
  const req = { ...sale('10.00', 'node-keys'), idempotencyKey: 'node-k1' }
  await c.createIntent({ pos: 'SUC001POS001' }, req)
  await rejectsWith(c.createIntent({ pos: 'SUC001POS001' }, req), 'ALREADY_QUEUED')
  const kind = startSimulator({ pickupDelayMs: 60000, honorIdempotencyKeys: true })
  t.after(() => kind.stop())
  const k = clientFor(kind, { retries: 0 })
  const first = await k.createIntent({ pos: 'SUC001POS001' }, req)
  assert.equal((await k.createIntent({ pos: 'SUC001POS001' }, req)).id, first.id)
})

test('unsafe settings and unbounded numbers are refused', async (t) => {
  throwsWith(() => new Client({ accessToken: 't', baseUrl: 'http://api.example.com' }), 'CONFIG')
  new Client({ accessToken: 't', baseUrl: 'http://api.example.com', allowInsecureHttp: true })
  new Client({ accessToken: 't', baseUrl: 'http://127.0.0.1:9', resendAmbiguousCreates: true })
  const sig = webhook.sign('', { dataId: 'abc', xRequestId: 'req-1', ts: 1704908010 })
  for (const secret of ['', '  ']) {
    throwsWith(() => webhook.verify(secret, { xSignature: sig, xRequestId: 'req-1', dataId: 'abc' }), 'CONFIG')
  }
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  await rejectsWith(c.charge({ pos: 'SUC001POS001' }, sale('10.00', 'node-huge'), { timeoutMs: 1e19 }), 'INVALID_ARGUMENT')
  assert.equal(sim.counters().intentsCreated, 0)
})
