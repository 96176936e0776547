'use strict'
// Webhooks: the shared fixtures (signature vectors, MLA and MLB notifications), whole requests as
// a web framework hands them over, and the README's Express example against the simulator's
// signed deliveries.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const Module = require('node:module')
const { Client, webhook, MppointError } = require('..')
const { startSimulator, clientFor, FAST } = require('./helpers')

const FIXTURES = path.join(__dirname, '..', '..', 'tests', 'fixtures')
const vectors = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'signature_vectors.json'), 'utf8'))

function verdict(fn) {
  try {
    fn()
    return 'OK'
  } catch (e) {
    assert.ok(e instanceof MppointError, String(e))
    assert.equal(e.code, 'INVALID_SIGNATURE')
    return e.signatureFailure
  }
}

test('every shared signature vector gets its verdict', () => {
  assert.ok(vectors.length >= 40)
  for (const c of vectors) {
    const got = verdict(() =>
      webhook.verify(
        c.secret,
        { xSignature: c.x_signature, xRequestId: c.x_request_id, dataId: c.data_id },
        { toleranceMs: c.tolerance_secs == null ? null : c.tolerance_secs * 1000, nowMs: c.now_unix_ms },
      ),
    )
    assert.equal(got, c.expect, `${c.name}: ${c.note || ''}`)
  }
})

test('the same vectors as whole requests (headers in any case, data.id in the URL)', () => {
  for (const c of vectors) {
    if (c.expect !== 'OK' || c.data_id == null || !c.data_id.trim()) continue
    const headers = { 'X-Signature': c.x_signature }
    if (c.x_request_id != null) headers['x-REQUEST-id'] = c.x_request_id
    const body = JSON.stringify({ id: '1', type: 'topic_instore_integration_wh', data: { id: c.data_id.trim(), status: 'CLOSED' } })
    const url = `/hooks/mp?data.id=${encodeURIComponent(c.data_id)}&type=topic_instore_integration_wh`
    const n = webhook.verifyRequest(c.secret, { headers, url, body: Buffer.from(body) }, { toleranceMs: c.tolerance_secs == null ? undefined : c.tolerance_secs * 1000, nowMs: c.now_unix_ms ?? undefined })
    assert.equal(n.intentId, c.data_id.trim(), c.name)
  }
})

test('the MLA and MLB notifications read the same in every language', () => {
  for (const [file, ticket] of [
    ['notification_mla.json', 'Ticket001'],
    ['notification_mlb.json', undefined],
  ]) {
    const raw = fs.readFileSync(path.join(FIXTURES, file))
    for (const body of [raw, raw.toString('utf8')]) {
      const n = webhook.parse(body)
      assert.equal(n.id, '1234567-12345-12345678-1234567890')
      assert.equal(n.type, 'topic_instore_integration_wh')
      assert.equal(n.action, 'topic_instore_integration_wh.application.authorized')
      assert.equal(n.apiVersion, 'v1')
      assert.equal(n.dateCreated, '2023-07-27 20:24:21.776642198-0400')
      assert.equal(n.dateCreatedIso, '2023-07-27T20:24:21.776642198-04:00')
      assert.equal(n.liveMode, true)
      assert.equal(n.userId, 12345667)
      assert.equal(n.intentId, '1234567-12345-12345678-1234567890')
      assert.equal(n.status, 'CANCELED')
      assert.equal(n.isFinal, true)
      assert.equal(n.dedupKey, '1234567-12345-12345678-1234567890:CANCELED')
      assert.equal(n.data.amount, '10.14')
      assert.equal(n.data.amountCents, 1014)
      assert.equal(n.data.description, 'abc')
      assert.equal(n.data.externalReference, '123132342341')
      assert.equal(n.data.enablerConfiguration.ticketNumber, ticket)
      assert.deepEqual(n.data.enablerConfiguration.printOnTerminal, ['SELLER_TICKET'])
      assert.match(n.url, /\/intents\/1234567-12345-12345678-1234567890\/point$/)
    }
  }
})

test('a result id that is not a number is kept as text; only payment ids are listed', () => {
  const n = webhook.parse(JSON.stringify({
    id: '1',
    type: 'topic_instore_integration_wh',
    data: {
      id: 'i',
      status: 'CLOSED',
      operations: [{ type: 'PURCHASE', results: [
        { id: '123456', source: 'PAYMENT' },
        { id: 'PAY01J9', source: 'PAYMENT' },
        { id: 7, source: 'PAYOUT' },
      ] }],
    },
  }))
  assert.deepEqual(n.data.operations[0].results, [
    { id: 123456, source: 'PAYMENT' },
    { id: 'PAY01J9', source: 'PAYMENT' },
    { id: 7, source: 'PAYOUT' },
  ])
  assert.deepEqual(n.data.paymentIds, [123456])
})

test('verifyRequest refuses forged bodies, bad signatures and non-notifications', () => {
  const secret = 'shh'
  const id = 'abc-123'
  const { xSignature, xRequestId } = webhook.signedHeaders(secret, id)
  assert.match(xSignature, /^ts=\d{10},v1=[0-9a-f]{64}$/)
  const body = JSON.stringify({ id: 'n1', type: 'topic_instore_integration_wh', data: { id, status: 'CLOSED' } })
  const req = (over = {}) => ({
    headers: { 'x-signature': xSignature, 'x-request-id': [xRequestId, 'ignored'], host: 'x' },
    url: `/hook?data.id=${id}`,
    body,
    ...over,
  })
  const opts = { toleranceMs: 300000 }
  assert.equal(webhook.verifyRequest(secret, req(), opts).status, 'CLOSED')
  const forged = body.replace(id, 'other')
  assert.throws(() => webhook.verifyRequest(secret, req({ body: forged }), opts), { code: 'INVALID_SIGNATURE', signatureFailure: 'SIGNATURE_MISMATCH' })
  assert.throws(() => webhook.verifyRequest('wrong', req(), opts), { code: 'INVALID_SIGNATURE', signatureFailure: 'SIGNATURE_MISMATCH' })
  assert.throws(() => webhook.verifyRequest(secret, req({ headers: {} }), opts), { code: 'INVALID_SIGNATURE', signatureFailure: 'MISSING_HEADER' })
  assert.throws(() => webhook.verifyRequest(secret, req({ headers: { 'x-signature': undefined } }), opts), { signatureFailure: 'MISSING_HEADER' })
  assert.throws(() => webhook.verifyRequest(secret, req({ body: 'not json' }), opts), { code: 'DECODE' })
  const old = webhook.sign(secret, { dataId: id, xRequestId: 'r', ts: 1704908010 })
  assert.throws(
    () => webhook.verifyRequest(secret, req({ headers: { 'x-signature': old, 'x-request-id': 'r' } }), opts),
    { signatureFailure: 'TIMESTAMP_OUT_OF_TOLERANCE' },
  )
  // Without a tolerance the old signature verifies; `null` is "absent" like undefined.
  webhook.verify(secret, { xSignature: old, xRequestId: 'r', dataId: id }, { toleranceMs: null })
  assert.throws(() => webhook.verify(secret, { xSignature: null, xRequestId: null, dataId: null }), { signatureFailure: 'MISSING_HEADER' })
  assert.throws(() => webhook.verify(secret, { xSignature: 5 }), { code: 'INVALID_ARGUMENT' })
})

test('sign and verify agree on seconds and milliseconds', () => {
  const now = Date.now()
  for (const ts of [Math.floor(now / 1000), now]) {
    const sig = webhook.sign('k', { dataId: 'ID1', xRequestId: 'rid', ts })
    webhook.verify('k', { xSignature: sig, xRequestId: 'rid', dataId: 'ID1' }, { toleranceMs: 60000, nowMs: now })
  }
  const sig = webhook.sign('k') // ts: now, no pairs
  webhook.verify('k', { xSignature: sig }, { toleranceMs: 60000 })
  assert.throws(() => webhook.sign('k', { ts: -1 }), { code: 'INVALID_ARGUMENT' })
  assert.throws(() => webhook.signedHeaders('k', ' '), { code: 'INVALID_ARGUMENT' })
})

test("the README's Express example handles the simulator's signed notifications", async (t) => {
  const example = path.join(__dirname, '..', 'examples', 'express-webhook.js')
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  assert.ok(readme.includes(fs.readFileSync(example, 'utf8').trim()), 'the README shows examples/express-webhook.js as it is')
  // The example requires 'mppoint': resolve it to this package.
  const origResolve = Module._resolveFilename
  Module._resolveFilename = function (request, ...rest) {
    return origResolve.call(this, request === 'mppoint' ? path.join(__dirname, '..') : request, ...rest)
  }
  t.after(() => {
    Module._resolveFilename = origResolve
  })
  const { createApp } = require(example)
  await expressExample(t, createApp)
})

test("the README's Express example as an ES module does the same", async (t) => {
  const example = path.join(__dirname, '..', 'examples', 'express-webhook.mjs')
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  assert.ok(readme.includes(fs.readFileSync(example, 'utf8').trim()), 'the README shows examples/express-webhook.mjs as it is')
  // `import … from 'mppoint'` resolves through package.json `exports` (the package's own name).
  const { createApp } = await import(require('node:url').pathToFileURL(example).href)
  await expressExample(t, createApp)
})

async function expressExample(t, createApp) {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const client = clientFor(sim)
  const sales = []
  let gotSale
  const saleSeen = new Promise((r) => (gotSale = r))
  const app = createApp({
    secret: sim.webhookSecret,
    client,
    onSale: (s) => {
      sales.push(s)
      gotSale()
    },
  })
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  t.after(() => server.close())
  const url = `http://127.0.0.1:${server.address().port}/webhooks/mercadopago`
  sim.setWebhookUrls([url])

  const sale = await client.charge({ pos: 'SUC001POS001' }, { amount: '25.00', description: 'Sale', externalReference: 'order-77' }, FAST)
  assert.equal(sale.verdict, 'APPROVED')
  await saleSeen
  assert.equal(sales.length, 1)
  assert.equal(sales[0].verdict, 'APPROVED')
  assert.equal(sales[0].intent.externalReference, 'order-77')
  const counters = sim.counters()
  assert.equal(counters.webhookSuccesses, 1)

  // A forged delivery is refused with 401, a body that is not a notification with 400.
  const forged = await fetch(`${url}?data.id=${sale.intent.id}`, {
    method: 'POST',
    headers: { 'x-signature': 'ts=1,v1=00', 'x-request-id': 'r', 'content-type': 'application/json' },
    body: '{}',
  })
  assert.equal(forged.status, 401)
  const h = webhook.signedHeaders(sim.webhookSecret, sale.intent.id)
  const garbage = await fetch(`${url}?data.id=${sale.intent.id}`, {
    method: 'POST',
    headers: { 'x-signature': h.xSignature, 'x-request-id': h.xRequestId },
    body: 'garbage',
  })
  assert.equal(garbage.status, 400)
}

test('the simulator signs in seconds or milliseconds; verifyRequest accepts both', async (t) => {
  const http = require('node:http')
  for (const unit of ['seconds', 'milliseconds']) {
    const got = []
    const server = http.createServer((req, res) => {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => {
        got.push({ headers: req.headers, url: req.url, body: Buffer.concat(chunks) })
        res.writeHead(200)
        res.end()
      })
    })
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    t.after(() => server.close())
    const sim = startSimulator({
      webhookUrls: [`http://127.0.0.1:${server.address().port}/hook`],
      webhookTsUnit: unit,
    })
    t.after(() => sim.stop())
    const c = clientFor(sim)
    const sale = await c.charge({ pos: 'SUC001POS001' }, { amount: '15.00', description: 'Sale', externalReference: 'o-ts' }, FAST)
    while (got.length === 0) await new Promise((r) => setTimeout(r, 10))
    const ts = /ts=(\d+)/.exec(got[0].headers['x-signature'])[1]
    assert.equal(ts.length, unit === 'seconds' ? 10 : 13)
    const n = webhook.verifyRequest(sim.webhookSecret, got[0], { toleranceMs: 300000 })
    assert.equal(n.intentId, sale.intent.id)
  }
  assert.throws(() => startSimulator({ webhookTsUnit: 'ms' }), (e) => e.code === 'INVALID_ARGUMENT')
})

test('a delivery handed to client.handleWebhook wakes the sale; a forged or replayed one wakes nothing', async (t) => {
  const http = require('node:http')
  for (const api of ['intents', 'orders']) {
    const sim = startSimulator()
    t.after(() => sim.stop())
    // Without the simulator's pace (pollIntervalMs): the default schedule, whose fallback poll a
    // webhook secret makes 15 s long.
    const { pollIntervalMs, ...own } = sim.clientOptions()
    assert.ok(pollIntervalMs > 0)
    const client = new Client({ ...own, api, webhookSecret: sim.webhookSecret })
    const handled = []
    let gotOne
    const first = new Promise((r) => (gotOne = r))
    const server = http.createServer((req, res) => {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', async () => {
        try {
          handled.push(await client.handleWebhook({ headers: req.headers, url: req.url, body: Buffer.concat(chunks) }))
          res.writeHead(200)
        } catch (e) {
          handled.push(e)
          res.writeHead(e.code === 'INVALID_SIGNATURE' ? 401 : 400)
        }
        res.end()
        gotOne()
      })
    })
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    t.after(() => server.close())
    sim.setWebhookUrls([`http://127.0.0.1:${server.address().port}/hook`])
    // No pollIntervalMs: with a webhook secret the fallback poll is 15 s away, so a sale that ends
    // in a tenth of a second and settles before that was woken by the delivery.
    const sale = await client.charge({ pos: 'SUC001POS001' }, { amount: '12.00', description: 'Sale', externalReference: `wake-${api}` }, { timeoutMs: 120000 })
    assert.equal(sale.verdict, 'APPROVED', api)
    await first
    assert.equal(handled[0].intentId.toLowerCase(), sale.intent.id.toLowerCase(), api)
    const c = sim.counters()
    const requests = Object.entries(c.requests).filter(([k]) => k !== 'Control').reduce((n, [, v]) => n + v, 0)
    assert.ok(requests <= 5, `${api}: ${requests} requests with wake-ups`)
  }
  const sim = startSimulator()
  t.after(() => sim.stop())
  const client = clientFor(sim, { webhookSecret: sim.webhookSecret })
  const id = '7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1'
  const body = JSON.stringify({ data: { id, status: 'CLOSED' } })
  const old = webhook.signedHeaders(sim.webhookSecret, id, 1704908010)
  const forged = webhook.signedHeaders('not the secret', id)
  for (const [headers, failure] of [
    [{ 'x-signature': forged.xSignature, 'x-request-id': forged.xRequestId }, 'SIGNATURE_MISMATCH'],
    [{ 'x-request-id': 'r' }, 'MISSING_HEADER'],
    [{ 'x-signature': old.xSignature, 'x-request-id': old.xRequestId }, 'TIMESTAMP_OUT_OF_TOLERANCE'],
  ]) {
    await assert.rejects(client.handleWebhook({ headers, url: `/hook?data.id=${id}`, body }), (e) => {
      assert.ok(e instanceof MppointError)
      assert.equal(e.code, 'INVALID_SIGNATURE')
      assert.equal(e.signatureFailure, failure)
      return true
    })
  }
  await assert.rejects(clientFor(sim).handleWebhook({ headers: {}, url: '', body }), (e) => e.code === 'CONFIG')
})
