'use strict'
// The same sale, cancel, refund, device, wait-abort and webhook tests on both APIs: each body runs
// once with `api: 'intents'` and once with `api: 'orders'` against the simulator. Where the APIs
// document different behaviour (an order on the terminal can be canceled through the API) the test
// says so.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const fs = require('node:fs')
const path = require('node:path')
const { Client, webhook } = require('..')
const { startSimulator, clientFor, FAST, until, rejectsWith } = require('./helpers')

const sale = (amount, ref = 'order-1') => ({ amount, description: 'Sale', externalReference: ref })
const POS1 = 'SUC001POS001'
const POS2 = 'SUC001POS002'
const DEV1 = 'PAX_A910__SMARTPOS0000000001'
const DEV2 = 'PAX_A910__SMARTPOS0000000002'
const STANDALONE = 'NEWLAND_N950__N950NCB000000003'
// time factor 80: the Orders API's action_required (40 s after processing starts) comes in 0.5 s.
const sim = (config = {}) => startSimulator({ timeFactor: 80, ...config })

for (const api of ['intents', 'orders']) {
  test(`${api}: the api option`, (t) => {
    const s = sim()
    t.after(() => s.stop())
    assert.equal(clientFor(s, { api }).api, api)
    assert.throws(() => new Client({ accessToken: 't', api: 'order' }), { code: 'INVALID_ARGUMENT' })
  })

  test(`${api}: every sale gives one verdict; only APPROVED is paid`, async (t) => {
    const s = sim()
    t.after(() => s.stop())
    const c = clientFor(s, { api })
    for (const [amount, verdict] of [
      ['10.00', 'APPROVED'],
      ['10.13', 'REJECTED'],
      ['10.66', 'ERROR'],
      ['10.77', 'CONFIRMATION_REQUIRED'],
      ['10.88', 'CANCELED'],
    ]) {
      const seen = []
      const r = await c.charge({ pos: POS1 }, sale(amount), { ...FAST, onStatus: (i) => seen.push(i.status) })
      assert.equal(r.verdict, verdict, `${amount}: ${r.reason}`)
      assert.equal(r.isPaid, verdict === 'APPROVED')
      assert.equal(seen[0], 'OPENED')
      if (verdict === 'APPROVED') {
        assert.equal(r.approvedPayment.status, 'approved')
        assert.equal((await c.getPayment(r.approvedPayment.id)).status, 'approved')
      }
    }
  })

  test(`${api}: create, get, cancel, cancel again`, async (t) => {
    const s = sim()
    t.after(() => s.stop())
    const c = clientFor(s, { api })
    const i = await c.createIntent({ pos: POS1 }, sale('10.99'))
    assert.equal(i.status, 'OPENED')
    assert.equal((await c.getIntent(i.id)).amount, '10.99')
    await c.cancelIntent(i.id)
    assert.equal((await c.getIntent(i.id)).status, 'CANCELED')
    await c.cancelIntent(i.id) // a retried cancel is harmless
  })

  test(`${api}: cancel once on the terminal`, async (t) => {
    const s = sim()
    t.after(() => s.stop())
    const c = clientFor(s, { api })
    const held = await c.createIntent({ pos: POS1 }, sale('10.44'))
    await until(async () => (await c.getIntent(held.id)).status === 'ON_TERMINAL')
    if (api === 'intents') {
      const e = await rejectsWith(c.cancelIntent(held.id), 'CANNOT_CANCEL')
      assert.match(e.message, /cancel it on the terminal/)
      s.cancelOnTerminal(held.id)
    } else {
      await c.cancelIntent(held.id) // the terminal is asked, and confirms
    }
    assert.equal((await c.getIntent(held.id)).status, 'CANCELED')
  })

  test(`${api}: a busy terminal is ALREADY_QUEUED`, async (t) => {
    const s = sim()
    t.after(() => s.stop())
    const c = clientFor(s, { api })
    const held = await c.createIntent({ pos: POS1 }, sale('10.44'))
    await rejectsWith(c.createIntent({ device: DEV1 }, sale('10.00')), 'ALREADY_QUEUED')
    s.cancelOnTerminal(held.id)
  })

  test(`${api}: devices listed, paged and switched`, async (t) => {
    const s = sim()
    t.after(() => s.stop())
    const c = clientFor(s, { api })
    const page = await c.listDevices()
    assert.deepEqual(page.devices.map((d) => d.id), [DEV1, DEV2, STANDALONE])
    assert.equal(page.devices[0].externalPosId, POS1)
    assert.equal((await c.allDevices({ limit: 1 })).length, 3)
    assert.equal(await c.setOperatingMode(DEV2, 'STANDALONE'), 'STANDALONE')
    await rejectsWith(c.createIntent({ pos: POS2 }, sale('10.00')), 'BAD_REQUEST')
    assert.equal(await c.setOperatingMode(DEV2, 'PDV'), 'PDV')
  })

  test(`${api}: refunds, partial then full`, async (t) => {
    const s = sim()
    t.after(() => s.stop())
    const c = clientFor(s, { api })
    const r = await c.charge({ pos: POS1 }, sale('30.00'), FAST)
    const pid = r.approvedPayment.id
    assert.equal((await c.refundPayment(pid, { amount: '10.00' })).amount, '10.00')
    await c.refundPayment(pid)
    assert.equal((await c.getPayment(pid)).status, 'refunded')
  })

  if (api === 'orders') {
    test('orders: the order\'s own refund, partial then full, once per key', async (t) => {
      const s = sim()
      t.after(() => s.stop())
      const c = clientFor(s, { api })
      const r = await c.charge({ pos: POS1 }, sale('30.00'), FAST)
      assert.equal(r.isPaid, true)
      const id = r.intent.id
      await rejectsWith(c.refundOrder(id, { amount: '1,00' }), 'INVALID_AMOUNT')
      await rejectsWith(c.refundOrder(42), 'INVALID_ARGUMENT')
      const partly = await c.refundOrder(id, { amount: '10.00' })
      assert.equal(partly.id, id)
      assert.equal(partly.status, 'CLOSED')
      assert.equal((await c.saleFor(id)).isPaid, true)
      await c.refundOrder(id, { idempotencyKey: 'node-order-refund-1' })
      await c.refundOrder(id, { idempotencyKey: 'node-order-refund-1' })
      assert.equal((await c.saleFor(id)).isPaid, false)
    })
  }

  test(`${api}: a wait aborted with an AbortSignal`, async (t) => {
    const s = sim()
    t.after(() => s.stop())
    const c = clientFor(s, { api })
    const held = await c.createIntent({ pos: POS1 }, sale('10.44'))
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 200)
    const e = await rejectsWith(c.waitForFinal(held.id, { pollIntervalMs: 20, timeoutMs: 60000, signal: ac.signal }), 'CANCELED')
    assert.equal(e.intentId, held.id)
    assert.equal((await c.getIntent(held.id)).status, 'ON_TERMINAL')
    s.cancelOnTerminal(held.id)
  })

  test(`${api}: the webhook of a sale verifies and reads the same`, async (t) => {
    const got = []
    const server = http.createServer((req, res) => {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => {
        got.push({ headers: req.headers, url: req.url, body: Buffer.concat(chunks) })
        res.end('ok')
      })
    })
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    t.after(() => server.close())
    const s = sim({ timeFactor: 1, webhookUrls: [`http://127.0.0.1:${server.address().port}/hooks`] })
    t.after(() => s.stop())
    const c = clientFor(s, { api })
    const r = await c.charge({ pos: POS1 }, sale('12.00'), FAST)
    await until(() => got.length > 0, 20000)
    const n = webhook.verifyRequest(s.webhookSecret, got[0], { toleranceMs: 300000 })
    assert.equal(n.intentId, r.intent.id)
    assert.equal(n.status, 'CLOSED')
    assert.equal(n.isFinal, true)
    assert.equal(n.dedupKey, `${r.intent.id}:${api === 'intents' ? 'CLOSED' : 'processed'}`)
    assert.throws(() => webhook.verifyRequest('not-the-secret', got[0]), { code: 'INVALID_SIGNATURE' })
  })
}

test('the documented order notification reads as the same notification', () => {
  const file = path.join(__dirname, '..', '..', 'tests', 'fixtures', 'orders', 'webhook_order_processed.json')
  const n = webhook.parse(fs.readFileSync(file))
  assert.equal(n.status, 'CLOSED')
  assert.equal(n.type, 'order')
  assert.equal(n.dedupKey, 'ORD01JYH1Z1YJN4HZ8J3Q0RB3YP6D:processed')
})

test('orders: the Orders rules are checked before sending', async () => {
  const c = new Client({ accessToken: 't', baseUrl: 'http://127.0.0.1:9', api: 'orders', retries: 0 })
  await rejectsWith(c.createIntent({ pos: POS1 }, sale('10.00', 'order 1')), 'INVALID_ARGUMENT')
  await rejectsWith(c.createIntent({ pos: POS1 }, { ...sale('10.00'), ticketNumber: 'T1' }), 'INVALID_ARGUMENT')
})
