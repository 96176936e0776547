'use strict'
// Every Client operation against the simulator, as a POS would use it.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Client, cents, version } = require('..')
const { startSimulator, clientFor, FAST, until, rejectsWith } = require('./helpers')

const sale = (amount, ref = 'order-1') => ({ amount, description: 'Sale', externalReference: ref })

test('client options and getters', (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = new Client({
    ...sim.clientOptions(),
    site: 'MLA',
    timeoutMs: 5000,
    connectTimeoutMs: 1000,
    retries: 1,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 50,
    integratorId: 'dev_123',
    platformId: 'p',
    corporationId: 'c',
    userAgentSuffix: 'MyPOS/1.0',
  })
  assert.equal(c.baseUrl, sim.baseUrl)
  assert.equal(c.site, 'MLA')
  assert.deepEqual(c.amountLimits, { min: '5.00', minCents: 500, max: '4000000.00', maxCents: 400000000 })
  const plain = new Client({ accessToken: 'APP_USR-x' })
  assert.equal(plain.baseUrl, 'https://api.mercadopago.com')
  assert.equal(plain.site, null)
  assert.equal(plain.amountLimits, null)
  assert.match(version(), /^\d+\.\d+\.\d+/)
})

test('the access token never shows in errors or inspection', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const token = 'APP_USR-secret-token-1234567890'
  const c = clientFor(sim, { accessToken: token, retries: 0 })
  const e = await rejectsWith(c.getIntent('x'), 'UNAUTHORIZED')
  const util = require('node:util')
  for (const text of [e.message, e.stack, util.inspect(e), JSON.stringify(e), util.inspect(c)]) {
    assert.ok(!text.includes('secret-token'), text)
  }
  assert.throws(() => new Client({ accessToken: 'with space' }), (err) => err.code === 'CONFIG' && !err.message.includes('with space'))
})

test('createIntent for a POS and for a device; getIntent', async (t) => {
  // Argentina: ticket_number is documented for MLA only (the client has the simulator's site).
  const sim = startSimulator({ site: 'MLA' })
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const a = await c.createIntent({ pos: 'SUC001POS001' }, { ...sale('12.47'), ticketNumber: 'T001', printSellerTicket: true })
  assert.equal(a.status, 'OPENED')
  assert.equal(a.isFinal, false)
  assert.equal(a.description, 'Sale')
  assert.equal(a.externalReference, 'order-1')
  assert.match(a.idempotencyKey, /^[0-9a-f-]{36}$/)
  assert.equal(a.enablerConfiguration.ticketNumber, 'T001')
  assert.deepEqual(a.enablerConfiguration.printOnTerminal, ['SELLER_TICKET'])
  assert.deepEqual(a.paymentIds, [])
  const b = await c.createIntent({ device: 'PAX_A910__SMARTPOS0000000002' }, { ...sale(cents(1000), 'order-2'), idempotencyKey: 'my-key-2' })
  assert.equal(b.idempotencyKey, 'my-key-2')
  assert.equal(sim.counters().intentsCreatedPerKey['my-key-2'], 1)
  const got = await c.getIntent(a.id)
  assert.equal(got.id, a.id)
  assert.equal(got.amount, '12.47')
  const done = await c.waitForFinal(a.id, FAST)
  assert.equal(done.status, 'CLOSED')
  assert.equal(done.isFinal, true)
  assert.equal(done.paymentIds.length, 1)
  assert.deepEqual(done.operations[0].results, [{ id: done.paymentIds[0], source: 'PAYMENT' }])
})

test('a target names exactly one of pos or device', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  for (const target of [{}, { pos: 'A', device: 'B' }]) {
    const e = await rejectsWith(c.createIntent(target, sale('1.00')), 'INVALID_ARGUMENT')
    assert.equal(e.field, 'target')
  }
  await rejectsWith(c.createIntent({ pos: 'NOPE' }, sale('1.00')), 'NOT_FOUND')
})

test('cancelIntent: OPENED cancels, twice is fine, on the terminal it cannot', async (t) => {
  const sim = startSimulator({ pickupDelayMs: 200 })
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const a = await c.createIntent({ pos: 'SUC001POS001' }, sale('5.00'))
  await c.cancelIntent(a.id)
  assert.equal((await c.getIntent(a.id)).status, 'CANCELED')
  await c.cancelIntent(a.id) // already canceled: done
  const b = await c.createIntent({ pos: 'SUC001POS002' }, sale('5.00'))
  await c.cancelIntent(b.id, 'SUC001POS002') // the older path naming the POS
  assert.equal(sim.intent(b.id).status, 'CANCELED')
  const held = await c.createIntent({ pos: 'SUC001POS001' }, sale('5.44'))
  await until(async () => (await c.getIntent(held.id)).status === 'ON_TERMINAL')
  const e = await rejectsWith(c.cancelIntent(held.id), 'CANNOT_CANCEL')
  assert.equal(e.status, 409)
  assert.equal(e.lastStatus, 'ON_TERMINAL')
  assert.equal(e.intentId, held.id)
  sim.cancelOnTerminal(held.id)
  const ended = await c.waitForFinal(held.id, FAST)
  assert.equal(ended.status, 'CANCELED')
})

test('listDevices, allDevices and setOperatingMode', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const page = await c.listDevices()
  assert.equal(page.paging.total, 3)
  assert.deepEqual(
    page.devices.map((d) => [d.id, d.operatingMode]),
    [
      ['PAX_A910__SMARTPOS0000000001', 'PDV'],
      ['PAX_A910__SMARTPOS0000000002', 'PDV'],
      ['NEWLAND_N950__N950NCB000000003', 'STANDALONE'],
    ],
  )
  assert.equal(page.devices[0].externalPosId, 'SUC001POS001')
  const one = await c.listDevices({ limit: 1, offset: 1 })
  assert.deepEqual(one.devices.map((d) => d.id), ['PAX_A910__SMARTPOS0000000002'])
  assert.deepEqual(one.paging, { total: 3, offset: 1, limit: 1 })
  const all = await c.allDevices({ limit: 1 })
  assert.equal(all.length, 3)
  const byPos = await c.listDevices({ posId: String(page.devices[0].posId) })
  assert.deepEqual(byPos.devices.map((d) => d.id), ['PAX_A910__SMARTPOS0000000001'])
  assert.equal(await c.setOperatingMode('NEWLAND_N950__N950NCB000000003', 'PDV'), 'PDV')
  assert.equal((await c.allDevices()).find((d) => d.id.startsWith('NEWLAND')).operatingMode, 'PDV')
  await rejectsWith(c.setOperatingMode('NEWLAND_N950__N950NCB000000003', 'BOTH'), 'INVALID_ARGUMENT')
  await rejectsWith(c.listDevices({ limit: 0 }), 'INVALID_ARGUMENT')
  await rejectsWith(c.listDevices({ limit: -1 }), 'INVALID_ARGUMENT')
})

test('getPayment, refundPayment with and without a key', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const s = await c.charge({ pos: 'SUC001POS001' }, sale('20.00'), FAST)
  const pid = s.approvedPayment.id
  const p = await c.getPayment(pid)
  assert.equal(p.status, 'approved')
  assert.equal(p.isApproved, true)
  assert.equal(p.transactionAmount, '20.00')
  assert.deepEqual(await c.getPayment(String(pid)), p)
  assert.equal(sim.payment(pid).id, pid)
  const r = await c.refundPayment(pid, { amount: '5.00', idempotencyKey: 'refund-1' })
  assert.equal(r.paymentId, pid)
  assert.equal(r.amount, '5.00')
  await rejectsWith(c.refundPayment(pid, { idempotencyKey: 'has space' }), 'INVALID_ARGUMENT')
  const rest = await c.refundPayment(pid)
  assert.equal(rest.amount, '15.00')
  assert.equal((await c.getPayment(pid)).transactionAmountRefunded, '20.00')
  for (const bad of [0, -1, 1.5, NaN, 'abc', '']) {
    await rejectsWith(c.getPayment(bad), 'INVALID_ARGUMENT')
  }
  await rejectsWith(c.getPayment(999999), 'NOT_FOUND')
})

test('charge gives one verdict per simulated outcome', async (t) => {
  const sim = startSimulator(require('./helpers').manyTills(6))
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const cases = [
    ['10.00', 'APPROVED', true, 1],
    ['10.13', 'REJECTED', false, 1],
    ['10.66', 'ERROR', false, 0],
    ['10.77', 'CONFIRMATION_REQUIRED', false, 0],
    ['10.88', 'CANCELED', false, 0],
  ]
  const results = await Promise.all(cases.map(([amount], i) => c.charge({ pos: `POS${i + 1}` }, sale(amount, `o-${i}`), FAST)))
  results.forEach((s, i) => {
    const [amount, verdict, paid, payments] = cases[i]
    assert.equal(s.verdict, verdict, amount)
    assert.equal(s.isPaid, paid)
    assert.equal(s.payments.length, payments)
    assert.equal(s.amount, amount)
    assert.ok(s.reason.length > 0 && s.advice.length > 0)
    assert.match(s.intent.idempotencyKey, /^[0-9a-f-]{36}$/)
    assert.equal(s.approvedPayment === undefined || s.approvedPayment === null, !paid)
  })
  assert.match(results[1].reason, /rejected/)
})

test('an intent never picked up expires: EXPIRED verdict', async (t) => {
  const sim = startSimulator({ timeFactor: 900 }) // the 15-minute expiry lasts one second
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const s = await c.charge({ pos: 'SUC001POS001' }, sale('10.99'), { pollIntervalMs: 50, timeoutMs: 20000 })
  assert.equal(s.verdict, 'EXPIRED')
  assert.equal(s.intent.status, 'EXPIRED')
})

test('held on the terminal: presentCard decides, saleFor gives the verdict', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  for (const [outcome, verdict] of [
    ['approved', 'APPROVED'],
    ['rejected', 'REJECTED'],
    ['error', 'ERROR'],
    ['confirmation_required', 'CONFIRMATION_REQUIRED'],
  ]) {
    const i = await c.createIntent({ pos: 'SUC001POS001' }, sale('10.44'))
    await until(async () => (await c.getIntent(i.id)).status === 'ON_TERMINAL')
    sim.presentCard(i.id, outcome)
    await c.waitForFinal(i.id, FAST)
    const s = await c.saleFor(i.id)
    assert.equal(s.verdict, verdict)
  }
  const i = await c.createIntent({ pos: 'SUC001POS001' }, sale('10.00'))
  sim.holdOnTerminal(i.id)
  await until(async () => (await c.getIntent(i.id)).status === 'ON_TERMINAL')
  await new Promise((r) => setTimeout(r, 150))
  assert.equal((await c.getIntent(i.id)).status, 'ON_TERMINAL', 'held')
  sim.presentCard(i.id, 'approved')
  assert.equal((await c.charge({ pos: 'SUC001POS002' }, sale('1.00'), FAST)).verdict, 'APPROVED')
  assert.equal((await c.waitForFinal(i.id, FAST)).status, 'CLOSED')
  // saleFor refuses an intent that is not final.
  const open = await c.createIntent({ pos: 'SUC001POS002' }, sale('3.44'))
  await rejectsWith(c.saleFor(open.id), 'INVALID_ARGUMENT')
})

test('simulator: a mode change waits for a restart; the documented 403s on request', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim, { retries: 0 })
  const STANDALONE = 'NEWLAND_N950__N950NCB000000003'
  const DEVICE = 'PAX_A910__SMARTPOS0000000001'
  assert.equal(await c.setOperatingMode(STANDALONE, 'PDV'), 'PDV')
  const queued = await c.createIntent({ device: STANDALONE }, sale('20.00', 'order-m'))
  // Not restarted yet: the terminal runs STANDALONE and does not fetch the intent.
  const e = await rejectsWith(c.waitForFinal(queued.id, { pollIntervalMs: 20, timeoutMs: 400 }), 'WAIT_TIMEOUT')
  assert.equal(e.lastStatus, 'OPENED')
  sim.restartDevice(STANDALONE)
  assert.equal((await c.waitForFinal(queued.id, FAST)).status, 'CLOSED')
  assert.throws(() => sim.restartDevice('NOPE'), (err) => err.code === 'NOT_FOUND')

  sim.setForbidden({ integratorNotRegistered: true, userNotLoggedIn: [DEVICE] })
  const f = await rejectsWith(c.listDevices(), 'FORBIDDEN')
  assert.equal(f.status, 403)
  await rejectsWith(c.setOperatingMode(DEVICE, 'PDV'), 'FORBIDDEN')
  sim.setForbidden({})
  assert.equal(await c.setOperatingMode(DEVICE, 'PDV'), 'PDV')
  assert.equal((await c.listDevices()).devices.length, 3)
})

test('simulator control: counters, faults, intents, webhook urls, stop', async (t) => {
  const sim = startSimulator()
  const c = clientFor(sim, { retries: 0 })
  sim.addFault({ endpoint: 'GetIntent', kind: { type: 'Status', status: 503 }, times: 1 })
  assert.deepEqual(sim.faults(), [{ endpoint: 'GetIntent', kind: { type: 'Status', status: 503 }, times: 1 }])
  await rejectsWith(c.getIntent('x'), 'SERVER')
  assert.deepEqual(sim.faults(), [])
  sim.setFaults([
    { kind: { type: 'Latency', ms: 1 }, sharePercent: 50 },
    { endpoint: 'create_intent', kind: { type: 'RateLimited', retryAfterSecs: 2 } },
  ])
  assert.equal(sim.faults().length, 2)
  assert.equal(sim.faults()[1].endpoint, 'CreateIntent')
  sim.clearFaults()
  assert.deepEqual(sim.faults(), [])
  assert.throws(() => sim.addFault({ endpoint: 'Nope', kind: { type: 'Status', status: 503 } }), { code: 'INVALID_ARGUMENT' })
  assert.throws(() => sim.addFault({ kind: { type: 'Teleport' } }), { code: 'CONFIG' })
  const i = await c.createIntent({ pos: 'SUC001POS001' }, sale('2.00'))
  assert.deepEqual(sim.intents().map((x) => x.id), [i.id])
  assert.equal(sim.intent('nope'), null)
  assert.equal(sim.payment(12345), null)
  const counters = sim.counters()
  assert.equal(counters.intentsCreated, 1)
  assert.ok(counters.requests.GetIntent >= 1)
  assert.ok(counters.faultsApplied >= 1)
  sim.setWebhookUrls([])
  assert.throws(() => sim.presentCard(i.id, 'maybe'), { code: 'INVALID_ARGUMENT' })
  sim.stop()
  sim.stop() // idempotent
  assert.throws(() => sim.counters(), { code: 'INVALID_ARGUMENT', message: /stopped/ })
  await rejectsWith(c.getIntent(i.id), 'NETWORK')
})

test('simulator configuration: site, limits, tills, TLS; bad ones are CONFIG', async (t) => {
  const { Simulator } = require('..')
  const sim = new Simulator({
    site: 'MLA',
    accessToken: 'TEST-custom',
    limits: { min: '5.00', max: '100.00' },
    stores: [{ id: '9', name: 'Centro' }],
    pos: [{ id: 10, externalId: 'CAJA1', storeId: '9' }],
    devices: [{ id: 'PAX_A910__SMARTPOS1', posExternalId: 'CAJA1', operatingMode: 'PDV' }],
    pickupDelayMs: 10,
    stepDelayMs: 10,
    tls: true,
    webhookSecret: 's3cret',
  })
  t.after(() => sim.stop())
  assert.match(sim.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/)
  assert.equal(sim.accessToken, 'TEST-custom')
  assert.equal(sim.webhookSecret, 's3cret')
  assert.match(sim.caCertPem, /BEGIN CERTIFICATE/)
  const c = new Client(sim.clientOptions())
  const s = await c.charge({ pos: 'CAJA1' }, sale('50.00'), FAST)
  assert.equal(s.verdict, 'APPROVED')
  assert.equal(s.approvedPayment.currencyId, 'ARS')
  // Without the simulator's certificate the TLS handshake fails.
  const untrusted = new Client({ accessToken: 'TEST-custom', baseUrl: sim.baseUrl, retries: 0, noProxy: true })
  await rejectsWith(untrusted.getIntent(s.intent.id), 'NETWORK')
  for (const bad of [
    { timeFactor: 0 },
    { site: 'MLX' },
    { bind: 'not an address' },
    { devices: [{ id: 'D', posExternalId: 'NOPE', operatingMode: 'PDV' }] },
  ]) {
    assert.throws(() => new Simulator(bad), (e) => e.code === 'CONFIG' || e.code === 'INVALID_ARGUMENT', JSON.stringify(bad))
  }
})
