'use strict'
// A seeded fuzz of the public surface: 100,000+ calls with hostile arguments (wrong types,
// lone surrogates, huge and negative numbers, NaN, odd objects, garbage bodies) throw or reject
// with nothing but MppointError. Network calls go to a closed loopback port (refused at once);
// waits get an aborted signal. MPPOINT_FUZZ_CALLS / MPPOINT_FUZZ_SEED change size and seed.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Client, MppointError, webhook, cents, amountCents, setLogger } = require('..')

const CALLS = Number(process.env.MPPOINT_FUZZ_CALLS || 100_000)
const SEED = Number(process.env.MPPOINT_FUZZ_SEED || 20261128)

// mulberry32: small, seeded, reproducible.
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const TEXTS = [
  '', ' ', '12.47', '12,47', '1e3', '-3', '0', '0.00', '70000.01', 'NaN', 'Infinity', 'SUC001POS001',
  'PAX_A910__SMARTPOS0000000001', 'ts=1704908010,v1=' + 'a'.repeat(64), 'ts=,v1=', 'v1=zz', 'ts=1',
  '\ud800', 'abc\udfff', '\u0000', 'é', '日本', '😀', 'a'.repeat(300), '{}', '{"id":"x"}', '[]', 'null',
  '{"type":"topic_instore_integration_wh","data":{"id":"1","status":"CLOSED"}}', 'http://127.0.0.1:9',
  'https://', 'ftp://x', 'APP_USR-1', 'PDV', 'STANDALONE', 'pdv', 'MLA', 'MLB', 'approved',
  '/hook?data.id=1&type=x', '?data.id=%ZZ', '__proto__', 'constructor',
]
const NUMBERS = [0, -0, 1, -1, 0.1, 12.47, 0.1 + 0.2, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, Infinity, -Infinity, NaN, 5e-324, 1247]

function fuzzer(r) {
  const pick = (xs) => xs[Math.floor(r() * xs.length)]
  const text = () => {
    if (r() < 0.6) return pick(TEXTS)
    let s = ''
    const n = Math.floor(r() * 12)
    for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 0x10000))
    return s
  }
  const any = () => {
    const k = r()
    if (k < 0.35) return text()
    if (k < 0.55) return pick(NUMBERS)
    if (k < 0.6) return null
    if (k < 0.65) return undefined
    if (k < 0.7) return r() < 0.5
    if (k < 0.75) return BigInt(Math.floor(r() * 1e6)) * (r() < 0.5 ? 1n : 2n ** 70n)
    if (k < 0.8) return Buffer.from(text())
    if (k < 0.85) return pick([[], [text()], [1, 2], [[text(), text()]]])
    if (k < 0.9) return pick([{}, { [text()]: text() }, Object.create(null), new Date(), () => 1, Symbol('s')])
    return obj()
  }
  // Mostly a value of the expected type (hostile within it), sometimes anything.
  const s = () => (r() < 0.85 ? text() : any())
  const n = () => (r() < 0.85 ? pick(NUMBERS) : any())
  const amount = () => (r() < 0.85 ? pick([text(), pick(NUMBERS), pick(TEXTS)]) : any())
  const maybe = (f) => (r() < 0.3 ? undefined : f())
  const fields = (spec) => {
    const o = {}
    for (const [k, f] of Object.entries(spec)) if (r() < 0.5) o[k] = f()
    return o
  }
  function obj() {
    return fields({ pos: s, device: s, amount, description: s, externalReference: s, accessToken: s, timeoutMs: n })
  }
  return { pick, text, any, s, n, amount, maybe, fields }
}

test(`${CALLS} hostile calls fail only with MppointError`, async () => {
  const r = rng(SEED)
  const f = fuzzer(r)
  setLogger(null)
  const offline = new Client({ accessToken: 'APP_USR-fuzz', baseUrl: 'http://127.0.0.1:9', retries: 0, timeoutMs: 2000, site: 'MLB' })
  const aborted = AbortSignal.abort()
  const request = () => f.fields({ amount: f.amount, description: f.s, externalReference: f.s, ticketNumber: f.s, printSellerTicket: f.any, idempotencyKey: f.s })
  const target = () => (r() < 0.85 ? { [f.pick(['pos', 'device'])]: f.s() } : f.any())
  const part = () => (r() < 0.3 ? f.s() : r() < 0.9 ? f.fields({ line: f.s, bold: f.s, qr: f.s, centerWide: f.s, blank: f.any }) : f.any())
  const printContent = () => {
    const k = r()
    if (k < 0.4) return Array.from({ length: Math.floor(r() * 5) }, part)
    if (k < 0.6) return f.s()
    if (k < 0.8) return { tagged: f.s() }
    return f.any()
  }
  const image = () => Buffer.concat([Buffer.from(f.pick([[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0xff, 0xd8, 0xff], [0x47, 0x49, 0x46]])), Buffer.from(f.text())])
  const wait = () => ({ ...f.fields({ timeoutMs: f.n, pollIntervalMs: f.n, onStatus: f.any }), signal: aborted })
  const clientOptions = () =>
    f.fields({
      accessToken: f.s, baseUrl: f.s, site: f.s, timeoutMs: f.n, connectTimeoutMs: f.n, retries: f.n, retryBaseDelayMs: f.n,
      retryMaxDelayMs: f.n, integratorId: f.s, platformId: f.s, corporationId: f.s, userAgentSuffix: f.s, proxy: f.s,
      noProxy: f.any, extraRootCerts: f.s, amountLimits: () => ({ min: f.amount(), max: f.amount() }),
      api: f.s, resendAmbiguousCreates: f.any, allowInsecureHttp: f.any,
    })
  const calls = [
    [8, 'cents', () => cents(f.n())],
    [8, 'amountCents', () => amountCents(f.amount())],
    [12, 'webhook.verify', () => webhook.verify(f.s(), f.fields({ xSignature: f.s, xRequestId: f.s, dataId: f.s }), f.maybe(() => f.fields({ toleranceMs: f.n, nowMs: f.n })))],
    [6, 'webhook.sign', () => webhook.sign(f.s(), f.maybe(() => f.fields({ dataId: f.s, xRequestId: f.s, ts: f.n })))],
    [4, 'webhook.signedHeaders', () => webhook.signedHeaders(f.s(), f.s(), f.maybe(f.n))],
    [10, 'webhook.parse', () => webhook.parse(r() < 0.5 ? f.s() : Buffer.from(f.text()))],
    [8, 'webhook.verifyRequest', () => webhook.verifyRequest(f.s(), f.fields({ headers: () => ({ 'x-signature': f.s(), 'x-request-id': f.s() }), url: f.s, body: () => (r() < 0.5 ? f.s() : Buffer.from(f.text())) }), f.maybe(() => f.fields({ toleranceMs: f.n, nowMs: f.n })))],
    [6, 'new Client', () => new Client(r() < 0.9 ? clientOptions() : f.any())],
    [5, 'getIntent', () => offline.getIntent(f.s())],
    [3, 'cancelIntent', () => offline.cancelIntent(f.s(), f.maybe(f.s))],
    [3, 'getPayment', () => offline.getPayment(r() < 0.5 ? f.n() : f.s())],
    [3, 'refundPayment', () => offline.refundPayment(f.n(), f.maybe(() => f.fields({ amount: f.amount, idempotencyKey: f.s })))],
    [3, 'listDevices', () => offline.listDevices(f.maybe(() => f.fields({ storeId: f.s, posId: f.s, limit: f.n, offset: f.n })))],
    [2, 'setOperatingMode', () => offline.setOperatingMode(f.s(), f.s())],
    [6, 'createIntent', () => offline.createIntent(target(), request())],
    [4, 'waitForFinal', () => offline.waitForFinal(f.s(), wait())],
    [4, 'charge', () => offline.charge(target(), request(), wait())],
    [2, 'saleFor', () => offline.saleFor(r() < 0.8 ? f.s() : f.any())],
    [3, 'findPayments', () => offline.findPayments(f.s())],
    // Issue 25: printing, the sandbox, a busy terminal waited for.
    [3, 'printText', () => offline.printText(f.s(), f.s(), printContent(), f.maybe(() => f.fields({ idempotencyKey: f.s })))],
    [2, 'printImage', () => offline.printImage(f.s(), f.s(), r() < 0.7 ? image() : f.any(), f.maybe(() => f.fields({ idempotencyKey: f.s })))],
    [2, 'printAction', () => offline.printAction(f.s())],
    [2, 'cancelPrintAction', () => offline.cancelPrintAction(f.s())],
    [2, 'simulateOrderEvent', () => offline.simulateOrderEvent(f.s(), f.fields({ status: f.s, statusDetail: f.s, card: () => f.fields({ brand: f.s, type: f.s }), installments: f.n }))],
    [2, 'charge whenBusyMs', () => offline.charge(target(), request(), { ...wait(), ...f.fields({ whenBusyMs: f.n, onBusy: f.any }) })],
  ]
  const total = calls.reduce((t, [w]) => t + w, 0)
  const choose = () => {
    let x = r() * total
    for (const c of calls) if ((x -= c[0]) < 0) return c
    return calls[calls.length - 1]
  }
  const outcomes = {}
  const escaped = []
  const note = (name, e) => {
    if (e instanceof MppointError && typeof e.code === 'string') outcomes[e.code] = (outcomes[e.code] || 0) + 1
    else escaped.push(`${name}: ${e && e.constructor && e.constructor.name}: ${e && e.message}`)
  }
  let pending = []
  for (let i = 0; i < CALLS; i++) {
    const [, name, call] = choose()
    try {
      const v = call()
      if (v && typeof v.then === 'function') {
        pending.push(v.then(() => { outcomes.ok = (outcomes.ok || 0) + 1 }, (e) => note(name, e)))
      } else outcomes.ok = (outcomes.ok || 0) + 1
    } catch (e) {
      note(name, e)
    }
    if (pending.length >= 200) {
      await Promise.all(pending)
      pending = []
    }
  }
  await Promise.all(pending)
  console.log(`${CALLS} calls, seed ${SEED}: ${JSON.stringify(outcomes)}`)
  assert.deepEqual(escaped.slice(0, 20), [], `${escaped.length} calls failed with something else`)
  for (const code of ['INVALID_ARGUMENT', 'INVALID_AMOUNT', 'NETWORK', 'INVALID_SIGNATURE', 'DECODE', 'CANCELED']) {
    assert.ok(outcomes[code] > 0, `the fuzz never reached ${code}: ${JSON.stringify(outcomes)}`)
  }
})
