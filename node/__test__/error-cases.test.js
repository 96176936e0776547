'use strict'
// The cross-language error table (tests/fixtures/error_cases.json): each mistake gives the same
// error code, message fragment, field and signature failure in Node as in Rust, C and Python.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Client, MppointError, Simulator, amountCents, webhook } = require('..')

const table = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'fixtures', 'error_cases.json'), 'utf8'),
)
const native = require(path.join(__dirname, '..', 'load.js'))

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
const camelKeys = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]))

/** One operation of the table, the way a Node user would call it (sync throws or rejects). */
async function run(op, input) {
  switch (op) {
    case 'client':
      return new Client(camelKeys(input))
    case 'get_intent':
      return new Client({ accessToken: 't', baseUrl: 'http://127.0.0.1:9', retries: 0 }).getIntent(input.intent_id)
    case 'amount':
      return amountCents(input.amount)
    case 'webhook_verify':
      return webhook.verify(input.secret, {
        xSignature: input.x_signature,
        xRequestId: input.x_request_id,
        dataId: input.data_id,
      })
    case 'webhook_parse':
      return webhook.parse(input.body)
    case 'handle_webhook': {
      const options = { accessToken: 't', baseUrl: 'http://127.0.0.1:9', retries: 0 }
      if (input.webhook_secret !== undefined) options.webhookSecret = input.webhook_secret
      const headers = {}
      if (input.x_signature != null) headers['x-signature'] = input.x_signature
      if (input.x_request_id != null) headers['x-request-id'] = input.x_request_id
      return new Client(options).handleWebhook({ headers, url: `/hook?${input.query}`, body: input.body })
    }
    case 'journal': {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mppoint-error-cases-'))
      try {
        const options = { accessToken: 't', baseUrl: 'http://127.0.0.1:9', retries: 0 }
        if (input.file !== null) {
          options.journal = path.join(dir, 'sales.journal')
          if (input.file !== '') fs.writeFileSync(options.journal, input.file)
        }
        const client = new Client(options)
        if (input.call === 'pending') return await client.pending()
        if (input.call === 'settle') return await client.settle(input.reference)
        assert.equal(input.call, 'open')
        return client
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }
    case 'print':
      return new Client({ accessToken: 't', baseUrl: 'http://127.0.0.1:9', retries: 0 }).printText(
        input.terminal_id,
        input.external_reference,
        { tagged: input.tagged },
      )
    case 'sandbox':
      return new Client({ accessToken: input.access_token, baseUrl: 'http://127.0.0.1:9', retries: 0 }).simulateOrderEvent(
        input.order_id,
        { status: input.status },
      )
    case 'status_callback': {
      const sim = new Simulator()
      try {
        const client = new Client(sim.clientOptions())
        const failure = new Error(input.failure)
        const options = {
          onStatus: (intent) => {
            if (intent.status === input.fail_on) throw failure
          },
        }
        const target = { pos: input.pos }
        const req = { amount: input.amount, description: 'error table', externalReference: input.reference }
        try {
          if (input.call === 'charge') return await client.charge(target, req, options)
          assert.equal(input.call, 'wait')
          const created = await client.createIntent(target, req)
          return await client.waitForFinal(created.id, options)
        } catch (e) {
          assert.ok(e.intentId && sim.intent(e.intentId), `${e.message}: names no created intent`)
          assert.equal(e.cause, failure)
          assert.ok(e.message.includes(input.failure), e.message)
          throw e
        }
      } finally {
        sim.stop()
      }
    }
    case 'panic':
      return native._testPanic()
    default:
      throw new Error(`unknown operation ${op} in error_cases.json`)
  }
}

test('the table has cases', () => {
  assert.ok(table.cases.length >= 10)
})

for (const c of table.cases) {
  test(c.name, async () => {
    let e
    try {
      await run(c.op, c.input)
    } catch (err) {
      e = err
    }
    assert.ok(e instanceof MppointError, `${c.name}: expected an MppointError, got ${e && e.stack}`)
    assert.equal(e.code, c.code, e.message)
    assert.ok(e.message.includes(c.message), `${e.message} lacks ${c.message}`)
    if (c.field !== undefined) assert.equal(e.field, c.field)
    assert.equal(e.signatureFailure, c.signature_failure)
  })
}
