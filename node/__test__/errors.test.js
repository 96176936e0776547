'use strict'
// Every error code, produced the way a POS meets it, as an MppointError with the fields that
// apply. The last test checks that the codes met here are exactly errorCodes().

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Client, MppointError, errorCodes, webhook } = require('..')
const { startSimulator, clientFor, FAST, until, rejectsWith, throwsWith } = require('./helpers')

const seen = new Set()
function saw(e) {
  seen.add(e.code)
  assert.ok(e instanceof MppointError && e instanceof Error)
  assert.equal(e.name, 'MppointError')
  assert.equal(typeof e.message, 'string')
  assert.equal(typeof e.transient, 'boolean')
  return e
}
const sale = (amount) => ({ amount, description: 'Sale', externalReference: 'order-1' })

let sim
test.before(() => {
  sim = startSimulator()
})
test.after(() => sim.stop())
test.afterEach(() => sim.clearFaults())

test('INVALID_ARGUMENT, INVALID_AMOUNT, CONFIG: bad input, before anything is sent', async () => {
  const c = clientFor(sim)
  let e = saw(await rejectsWith(c.getIntent(''), 'INVALID_ARGUMENT'))
  assert.equal(e.field, 'intent_id')
  // Wrong JavaScript types reject too (never throw from a Promise method).
  const p = c.getIntent(42)
  assert.ok(p instanceof Promise)
  e = saw(await rejectsWith(p, 'INVALID_ARGUMENT'))
  assert.equal(e.field, 'intentId')
  assert.match(e.message, /intentId must be a string, not number 42/)
  saw(await rejectsWith(c.createIntent({ pos: 'P' }, { amount: '1.00' }), 'INVALID_ARGUMENT'))
  saw(await rejectsWith(c.createIntent({ pos: 'P' }, { ...sale('1.00'), externalReference: 'bad/ref' }), 'INVALID_ARGUMENT'))
  saw(await rejectsWith(c.waitForFinal('i', { pollIntervalMs: 1 }), 'INVALID_ARGUMENT'))
  saw(await rejectsWith(c.waitForFinal('i', { timeoutMs: -5 }), 'INVALID_ARGUMENT'))
  saw(await rejectsWith(c.waitForFinal('i', { signal: {} }), 'INVALID_ARGUMENT'))
  e = saw(await rejectsWith(c.createIntent({ pos: 'P' }, sale('1.234')), 'INVALID_AMOUNT'))
  assert.equal(e.field, 'amount')
  e = saw(throwsWith(() => new Client({ accessToken: '' }), 'CONFIG'))
  saw(throwsWith(() => new Client({ accessToken: 't', baseUrl: 'ftp://x' }), 'CONFIG'))
  e = saw(throwsWith(() => new Client({ accessToken: 't', site: 'XX' }), 'INVALID_ARGUMENT'))
  assert.equal(e.field, 'site')
  saw(throwsWith(() => new Client({ accessToken: 't', retries: 11 }), 'INVALID_ARGUMENT'))
  saw(throwsWith(() => new Client({ accessToken: 't', timeoutMs: -1 }), 'INVALID_ARGUMENT'))
  saw(throwsWith(() => new Client({ accessToken: 't', retries: 1.5 }), 'INVALID_ARGUMENT'))
  saw(throwsWith(() => new Client({ accessToken: 't', extraRootCerts: 'not pem' }), 'CONFIG'))
  saw(throwsWith(() => new Client({ accessToken: 't', proxy: '::::' }), 'CONFIG'))
  saw(throwsWith(() => new Client(), 'INVALID_ARGUMENT'))
  saw(throwsWith(() => new Client({ accessToken: 5 }), 'INVALID_ARGUMENT'))
  assert.equal(sim.counters().requests.GetIntent ?? 0, 0)
})

test('UNAUTHORIZED, FORBIDDEN, NOT_FOUND, BAD_REQUEST: the API said no', async () => {
  const c = clientFor(sim)
  let e = saw(await rejectsWith(clientFor(sim, { accessToken: 'wrong' }).listDevices(), 'UNAUTHORIZED'))
  assert.equal(e.status, 401)
  assert.equal(e.apiError, 'unauthorized')
  assert.ok(e.requestId)
  assert.equal(e.transient, false)
  sim.addFault({ endpoint: 'SetOperatingMode', kind: { type: 'Status', status: 403 }, times: 1 })
  e = saw(await rejectsWith(c.setOperatingMode('PAX_A910__SMARTPOS0000000001', 'PDV'), 'FORBIDDEN'))
  assert.equal(e.status, 403)
  e = saw(await rejectsWith(c.getIntent('no-such-intent'), 'NOT_FOUND'))
  assert.equal(e.status, 404)
  assert.equal(e.apiError, 'not_found')
  assert.equal(e.intentId, 'no-such-intent')
  e = saw(await rejectsWith(c.createIntent({ device: 'NEWLAND_N950__N950NCB000000003' }, sale('1.00')), 'BAD_REQUEST'))
  assert.equal(e.status, 400)
  assert.match(e.idempotencyKey, /^[0-9a-f-]{36}$/)
})

test('ALREADY_QUEUED, CANNOT_CANCEL, CONFLICT: 409 means what the call was', async () => {
  const c = clientFor(sim)
  const held = await c.createIntent({ pos: 'SUC001POS001' }, sale('1.44'))
  let e = saw(await rejectsWith(c.createIntent({ pos: 'SUC001POS001' }, sale('2.00')), 'ALREADY_QUEUED'))
  assert.equal(e.status, 409)
  await until(async () => (await c.getIntent(held.id)).status === 'ON_TERMINAL')
  e = saw(await rejectsWith(c.cancelIntent(held.id), 'CANNOT_CANCEL'))
  assert.equal(e.intentId, held.id)
  sim.addFault({ endpoint: 'GetIntent', kind: { type: 'Status', status: 409 }, times: 1 })
  e = saw(await rejectsWith(c.getIntent(held.id), 'CONFLICT'))
  assert.equal(e.status, 409)
  sim.cancelOnTerminal(held.id)
  await c.waitForFinal(held.id, FAST)
})

test('RATE_LIMITED, SERVER, API: after the retries, with Retry-After', async () => {
  const c = clientFor(sim, { retries: 1, retryBaseDelayMs: 1, retryMaxDelayMs: 5000 })
  sim.addFault({ endpoint: 'ListDevices', kind: { type: 'RateLimited', retryAfterSecs: 30 } })
  let e = saw(await rejectsWith(c.listDevices(), 'RATE_LIMITED'))
  assert.equal(e.status, 429)
  assert.equal(e.retryAfter, 30)
  assert.equal(e.retryAfterMs, 30000)
  assert.equal(e.transient, true)
  sim.clearFaults()
  sim.addFault({ endpoint: 'ListDevices', kind: { type: 'Status', status: 503 } })
  const before = sim.counters().requests.ListDevices ?? 0
  e = saw(await rejectsWith(c.listDevices(), 'SERVER'))
  assert.equal(e.status, 503)
  assert.equal(sim.counters().requests.ListDevices - before, 2, 'one retry')
  sim.clearFaults()
  sim.addFault({ endpoint: 'ListDevices', kind: { type: 'Status', status: 422 }, times: 1 })
  e = saw(await rejectsWith(c.listDevices(), 'API'))
  assert.equal(e.status, 422)
})

test('OUTCOME_UNKNOWN: the create may have reached Mercado Pago and the answer was lost; it is never re-sent', async () => {
  const c = clientFor(sim, { retries: 2 })
  const before = sim.counters().requests.CreateIntent || 0
  sim.addFault({ endpoint: 'CreateIntent', kind: { type: 'DropAfterProcessing' }, times: 1 })
  const e = saw(await rejectsWith(c.createIntent({ pos: 'SUC001POS002' }, { ...sale('3.00'), externalReference: 'lost-1' }), 'OUTCOME_UNKNOWN'))
  assert.match(e.idempotencyKey, /^[0-9a-f-]{36}$/)
  assert.equal(e.externalReference, 'lost-1')
  assert.equal(sim.counters().intentsCreatedPerKey[e.idempotencyKey], 1, 'the intent exists')
  assert.equal(sim.counters().requests.CreateIntent, before + 1, 'and the create was not re-sent')
  // The POS finds what became of it by its external reference, once the terminal is done.
  await until(async () => (await c.findPayments('lost-1')).length > 0)
  // The till frees once the intent has ended.
  await until(async () => {
    try {
      const probe = await c.createIntent({ pos: 'SUC001POS002' }, { ...sale('3.99'), externalReference: 'probe' })
      await c.cancelIntent(probe.id)
      return true
    } catch (err) {
      if (err.code !== 'ALREADY_QUEUED') throw err
      return false
    }
  })
})

test('NETWORK, TIMEOUT, DECODE: transport trouble', async () => {
  const closed = new Client({ accessToken: 't', baseUrl: 'http://127.0.0.1:9', retries: 0, noProxy: true })
  let e = saw(await rejectsWith(closed.getIntent('i'), 'NETWORK'))
  assert.equal(e.transient, true)
  const c = clientFor(sim, { retries: 0, timeoutMs: 100 })
  sim.addFault({ endpoint: 'GetIntent', kind: { type: 'Latency', ms: 1000 }, times: 1 })
  e = saw(await rejectsWith(c.getIntent('whatever'), 'TIMEOUT'))
  assert.equal(e.transient, true)
  sim.addFault({ endpoint: 'ListDevices', kind: { type: 'MalformedJson' }, times: 1 })
  saw(await rejectsWith(c.listDevices(), 'DECODE'))
  // A body that is not a notification is DECODE too.
  saw(throwsWith(() => webhook.parse('{"data":'), 'DECODE'))
})

test('WAIT_TIMEOUT and CANCELED: waits that end without a final status', async () => {
  const c = clientFor(sim)
  const held = await c.createIntent({ pos: 'SUC001POS001' }, sale('4.44'))
  await until(async () => (await c.getIntent(held.id)).status === 'ON_TERMINAL')
  let e = saw(await rejectsWith(c.waitForFinal(held.id, { pollIntervalMs: 20, timeoutMs: 100 }), 'WAIT_TIMEOUT'))
  assert.equal(e.lastStatus, 'ON_TERMINAL')
  assert.equal(e.intentId, held.id)
  assert.match(e.message, /cancel it on the terminal/)
  e = saw(await rejectsWith(c.waitForFinal(held.id, { ...FAST, signal: AbortSignal.abort() }), 'CANCELED'))
  assert.equal(e.intentId, held.id)
  sim.presentCard(held.id, 'approved')
  await c.waitForFinal(held.id, FAST)
})

test('INVALID_SIGNATURE: a webhook that does not verify', () => {
  const e = saw(throwsWith(() => webhook.verify('secret', { xSignature: 'ts=1704908010,v1=00', dataId: 'x' }), 'INVALID_SIGNATURE'))
  assert.equal(e.signatureFailure, 'SIGNATURE_MISMATCH')
})

test('IDEMPOTENCY_KEY_MISMATCH: a key reused for another cart; ABORTED: onStatus threw during a charge', async () => {
  const c = clientFor(sim)
  const held = await c.createIntent({ pos: 'SUC001POS002' }, { ...sale('1.44'), externalReference: 'mismatch-1', idempotencyKey: 'node-err-k1' })
  const e = saw(await rejectsWith(
    c.createIntent({ pos: 'SUC001POS002' }, { ...sale('2.00'), externalReference: 'mismatch-1', idempotencyKey: 'node-err-k1' }),
    'IDEMPOTENCY_KEY_MISMATCH',
  ))
  assert.equal(e.idempotencyKey, 'node-err-k1')
  await c.cancelIntent(held.id)
  const thrown = new TypeError('screen gone')
  const a = saw(await rejectsWith(
    c.charge({ pos: 'SUC001POS002' }, sale('1.44'), { ...FAST, onStatus: () => { throw thrown } }),
    'ABORTED',
  ))
  assert.equal(a.cause, thrown)
  assert.ok(a.intentId && a.idempotencyKey)
  await c.cancelIntent(a.intentId).catch(() => sim.cancelOnTerminal(a.intentId))
})

test('PANIC: a bug inside a core call rejects like every other error', async () => {
  // The test hook is on the native addon only (index.js does not export it).
  const native = require(path.join(__dirname, '..', 'load.js'))
  const e = saw(await rejectsWith(native._testPanic(), 'PANIC'))
  assert.match(e.message, /deliberate panic/)
  assert.equal(e.transient, false)
})

test('JOURNAL and SALE_IN_PROGRESS: a bad journal path; a reference charged twice at once', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mppoint-node-errors-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const e = saw(throwsWith(() => new Client({ accessToken: 't', journal: dir }), 'JOURNAL'))
  assert.ok(e.message.includes(dir), e.message)
  const c = clientFor(sim, { journal: path.join(dir, 'sales.journal') })
  // `.44` waits on the terminal: while it does, the same reference is in progress.
  let intentId
  const first = c.charge({ pos: 'SUC001POS002' }, { ...sale('3.44'), externalReference: 'inprogress-1' }, {
    ...FAST,
    onStatus: (i) => {
      intentId = i.id
    },
  })
  await until(() => intentId !== undefined)
  const busy = saw(await rejectsWith(
    c.charge({ pos: 'SUC001POS002' }, { ...sale('3.44'), externalReference: 'inprogress-1' }, FAST),
    'SALE_IN_PROGRESS',
  ))
  assert.equal(busy.externalReference, 'inprogress-1')
  await until(async () => (await c.getIntent(intentId)).status === 'ON_TERMINAL')
  sim.presentCard(intentId, 'approved')
  assert.equal((await first).verdict, 'APPROVED')
})

test('REFUND_NOT_ALLOWED and SANDBOX_ONLY: an order refunded beyond what is left; the sandbox with a production token', async () => {
  const c = clientFor(sim, { api: 'orders' })
  const s = await c.charge({ device: 'PAX_A910__SMARTPOS0000000001' }, { ...sale('15.00'), externalReference: 'refund-left-1' }, FAST)
  assert.equal(s.verdict, 'APPROVED')
  await c.refundOrder(s.intent.id, { amount: '10.00' })
  const e = saw(await rejectsWith(c.refundOrder(s.intent.id, { amount: '10.00' }), 'REFUND_NOT_ALLOWED'))
  assert.match(e.message, /left to refund/)
  const prod = new Client({ accessToken: 'APP_USR-1-production', baseUrl: sim.baseUrl, api: 'orders' })
  const p = saw(await rejectsWith(prod.simulateOrderEvent(s.intent.id, { status: 'processed' }), 'SANDBOX_ONLY'))
  assert.match(p.message, /test credentials/)
})

test('every error code was met, and the TypeScript ErrorCode union lists exactly them', () => {
  assert.deepEqual([...seen].sort(), [...errorCodes()].sort())
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  const union = dts.match(/export type ErrorCode =([\s\S]*?)\n\n/)[1]
  const listed = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1])
  assert.deepEqual(listed, errorCodes())
})

test('MppointError can be made and checked by user code', () => {
  const e = new MppointError('boom', { code: 'SERVER', transient: true, status: 503, requestId: 'r1' })
  assert.ok(e instanceof Error)
  assert.equal(e.name, 'MppointError')
  assert.equal(e.code, 'SERVER')
  assert.equal(e.status, 503)
  assert.equal(e.requestId, 'r1')
  assert.equal(e.intentId, undefined)
})
