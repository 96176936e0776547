'use strict'
// What Mercado Pago added to Point (issue 25), from Node, against the simulator: printing on the
// terminal (text built from parts and escaped, the caller's own tagged text, an image; read back,
// canceled, refused before sending), the sandbox's simulated events on an Orders sale, a busy
// terminal waited for (whenBusyMs) and named (err.holdingSale), and a tip on an Orders payment.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Client, MppointError } = require('..')
const { startSimulator, clientFor, until, rejectsWith, FAST } = require('./helpers')

const DEV1 = 'PAX_A910__SMARTPOS0000000001'
const STANDALONE = 'NEWLAND_N950__N950NCB000000003'
const SANDBOX = 'NEWLAND_N950__SBX0000001'

/** A PNG signature and some bytes: the core checks the signature and the size, not the pixels. */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)])

/** Polls the print action until `pred(action)` holds (each read recorded in `seen`). */
async function printUntil(client, id, pred, seen = []) {
  let last
  await until(async () => {
    last = await client.printAction(id)
    if (seen[seen.length - 1] !== last.status) seen.push(last.status)
    return pred(last)
  }, 10000)
  return last
}

const printsSent = (sim) => sim.counters().requests.PrintAction || 0

test('a receipt goes created, on_terminal, processed; the same key gives the same action', async () => {
  for (const api of ['intents', 'orders']) {
    // The terminal fetches the action after 50 ms and would print it only after a minute:
    // finishPrint says when it is printed.
    const sim = startSimulator({ pickupDelayMs: 50, stepDelayMs: 60000 })
    try {
      const client = clientFor(sim, { api })
      const receipt = [
        { centerWide: 'Loja Centro' },
        'Sale 123: 25.00',
        { bold: 'Thank you' },
        { qr: 'https://example.com/r/123' },
        { blank: true },
        { small: 'keep this receipt' },
      ]
      const a = await client.printText(DEV1, 'receipt-1', receipt)
      assert.equal(a.status, 'created', api)
      assert.equal(a.isFinal, false)
      assert.equal(a.terminalId, DEV1)
      assert.equal(a.externalReference, 'receipt-1')
      assert.equal(a.subtype, 'custom')
      assert.match(a.idempotencyKey, /^[0-9a-f-]{36}$/)
      const onTerminal = await printUntil(client, a.id, (x) => x.status !== 'created')
      assert.equal(onTerminal.status, 'on_terminal', api)
      assert.equal(onTerminal.isFinal, false)
      sim.finishPrint(a.id, 'processed')
      const done = await client.printAction(a.id)
      assert.equal(done.status, 'processed')
      assert.equal(done.isFinal, true)
      assert.equal(done.id, a.id)

      // The same key and the same receipt: the same action, never a second print.
      const again = await client.printText(DEV1, 'receipt-1', receipt, { idempotencyKey: a.idempotencyKey })
      assert.equal(again.id, a.id)
      assert.equal(sim.printActions().length, 1)
      // The same key for another receipt.
      const e = await rejectsWith(
        client.printText(DEV1, 'receipt-1', ['another receipt'], { idempotencyKey: a.idempotencyKey }),
        'IDEMPOTENCY_KEY_MISMATCH',
      )
      assert.equal(e.idempotencyKey, a.idempotencyKey)
    } finally {
      sim.stop()
    }
  }
})

test('a terminal prints by itself: a PDV terminal takes the action to processed', async () => {
  const sim = startSimulator()
  try {
    const client = clientFor(sim)
    const a = await client.printText(DEV1, 'auto-1', 'Plain text\nover two lines')
    const seen = [a.status]
    const done = await printUntil(client, a.id, (x) => x.isFinal, seen)
    assert.equal(done.status, 'processed')
    assert.equal(seen[0], 'created')
  } finally {
    sim.stop()
  }
})

test("a customer's braces are escaped: they print, where the same text as tagged is refused", async () => {
  const sim = startSimulator()
  try {
    const client = clientFor(sim)
    const customer = 'Customer: {b}Ana{/b} }{ {qr}x'
    const a = await client.printText(DEV1, 'escaped-1', [{ bold: 'Receipt' }, customer, { text: customer }])
    assert.equal((await printUntil(client, a.id, (x) => x.isFinal)).status, 'processed')
    // Given as the caller's own tagged text, the same braces are refused before sending.
    const before = printsSent(sim)
    const tagged = `{b}Receipt{/b}{br}${customer}`.padEnd(120, ' ')
    const e = await rejectsWith(client.printText(DEV1, 'escaped-2', { tagged }), 'INVALID_ARGUMENT')
    assert.equal(e.field, 'content')
    // Well-formed tagged text is sent as written.
    const ok = await client.printText(DEV1, 'tagged-1', { tagged: '{center}{b}TOTAL 25.00{/b}{/center}{br}'.padEnd(100, '.') })
    assert.equal(ok.status, 'created')
    assert.equal(printsSent(sim), before + 1)
  } finally {
    sim.stop()
  }
})

test('a print not fetched can be canceled; once printed the cancel is CANNOT_CANCEL', async () => {
  const sim = startSimulator()
  try {
    const client = clientFor(sim)
    // A STANDALONE terminal never fetches the action: it stays created.
    const a = await client.printText(STANDALONE, 'cancel-1', ['to cancel'])
    assert.equal(a.status, 'created')
    assert.equal(await client.cancelPrintAction(a.id), undefined)
    const canceled = await client.printAction(a.id)
    assert.equal(canceled.status, 'canceled')
    assert.equal(canceled.isFinal, true)

    const b = await client.printText(DEV1, 'cancel-2', ['printed'])
    sim.finishPrint(b.id)
    const e = await rejectsWith(client.cancelPrintAction(b.id), 'CANNOT_CANCEL')
    assert.match(e.message, /can no longer be canceled/)
    await rejectsWith(client.printAction('no-such-action'), 'NOT_FOUND')
  } finally {
    sim.stop()
  }
})

test('an image is printed; a bad image, a bad part or a bad reference is refused before sending', async () => {
  const sim = startSimulator()
  try {
    const client = clientFor(sim)
    const img = await client.printImage(DEV1, 'img-1', PNG)
    assert.equal(img.status, 'created')
    assert.equal(img.subtype, 'image')
    assert.equal((await printUntil(client, img.id, (x) => x.isFinal)).status, 'processed')
    // A plain Uint8Array is taken too.
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])
    assert.equal((await client.printImage(DEV1, 'img-2', jpeg)).subtype, 'image')

    const before = printsSent(sim)
    const gif = Buffer.from('GIF89a........')
    let e = await rejectsWith(client.printImage(DEV1, 'img-3', gif), 'INVALID_ARGUMENT')
    assert.equal(e.field, 'content')
    assert.match(e.message, /PNG or JPEG/)
    const big = Buffer.concat([PNG, Buffer.alloc(750001)])
    e = await rejectsWith(client.printImage(DEV1, 'img-4', big), 'INVALID_ARGUMENT')
    assert.match(e.message, /at most 750000 bytes/)
    e = await rejectsWith(client.printImage(DEV1, 'img-5', 'not bytes'), 'INVALID_ARGUMENT')
    assert.equal(e.field, 'image')

    for (const [content, why] of [
      [[{}], 'none of them'],
      [[{ bold: 'a', qr: 'b' }], 'more than one'],
      [[{ blank: false }], 'none of them'],
      [[42], ''],
      [{ tagged: '{b}short{/b}' }, 'must be 100 to 4096'],
      [['x'.repeat(5000)], 'must be 100 to 4096'],
    ]) {
      e = await rejectsWith(client.printText(DEV1, 'bad-1', content), 'INVALID_ARGUMENT')
      assert.ok(e.message.includes(why), `${e.message} lacks ${why}`)
    }
    e = await rejectsWith(client.printText(DEV1, 'with space', ['x']), 'INVALID_ARGUMENT')
    assert.equal(e.field, 'external_reference')
    e = await rejectsWith(client.printText('NOT-A-TERMINAL', 'r', ['x']), 'INVALID_ARGUMENT')
    assert.equal(e.field, 'terminal_id')
    e = await rejectsWith(client.printText(DEV1, 'r', 42), 'INVALID_ARGUMENT')
    assert.equal(e.field, 'content')
    assert.equal(printsSent(sim), before, 'nothing was sent')
  } finally {
    sim.stop()
  }
})

test('the sandbox: an Orders sale on the virtual terminal paid, and declined, through simulateOrderEvent alone', async () => {
  // A time factor of 100: the sandbox's 10 s take 100 ms.
  const sim = startSimulator({ sandboxTerminal: true, timeFactor: 100 })
  try {
    const client = clientFor(sim, { api: 'orders' })
    assert.equal(client.hasTestCredentials, true)
    const order = await client.createIntent({ device: SANDBOX }, { amount: '20.00', description: 'Sandbox', externalReference: 'sbx-1' })
    // A production token is refused before anything is sent.
    const prod = new Client({ accessToken: 'APP_USR-123-production', baseUrl: sim.baseUrl, api: 'orders', retries: 0 })
    assert.equal(prod.hasTestCredentials, false)
    const sent = () => sim.counters().requests.OrderEvent || 0
    await rejectsWith(prod.simulateOrderEvent(order.id, { status: 'processed' }), 'SANDBOX_ONLY')
    // A bad event is refused before anything is sent: a card on a canceled event.
    let e = await rejectsWith(
      client.simulateOrderEvent(order.id, { status: 'canceled', card: { brand: 'visa', type: 'credit_card' } }),
      'INVALID_ARGUMENT',
    )
    assert.equal(e.field, 'payment_method_id')
    e = await rejectsWith(client.simulateOrderEvent(order.id, { status: 'processed', statusDetail: 'high_risk' }), 'INVALID_ARGUMENT')
    assert.equal(e.field, 'status_detail')
    assert.equal(sent(), 0)
    // A test user's production token, declared so, is a test credential.
    assert.equal(new Client({ accessToken: 'APP_USR-1', baseUrl: sim.baseUrl, testAccount: true }).hasTestCredentials, true)

    await client.simulateOrderEvent(order.id, { status: 'processed', card: { brand: 'visa', type: 'credit_card' }, installments: 1 })
    assert.equal(sent(), 1)
    const ended = await client.waitForFinal(order.id, FAST)
    const sale = await client.saleFor(ended.id)
    assert.equal(sale.verdict, 'APPROVED', sale.reason)
    assert.equal(sale.isPaid, true)
    assert.equal(sale.amount, '20.00')

    const declined = await client.createIntent({ device: SANDBOX }, { amount: '21.00', description: 'Sandbox', externalReference: 'sbx-2' })
    await client.simulateOrderEvent(declined.id, { status: 'failed', statusDetail: 'insufficient_amount' })
    const no = await client.saleFor((await client.waitForFinal(declined.id, FAST)).id)
    assert.equal(no.verdict, 'REJECTED', no.reason)
    assert.equal(no.isPaid, false)
  } finally {
    sim.stop()
  }
})

test('a busy terminal: ALREADY_QUEUED names the sale holding it; whenBusyMs waits it out', async () => {
  for (const api of ['intents', 'orders']) {
    const sim = startSimulator()
    try {
      const client = clientFor(sim, { api })
      const target = { device: DEV1 }
      const made = (ref) => (api === 'orders' ? sim.orders() : sim.intents()).filter((i) => i.externalReference === ref).length
      // .44: held on the terminal until the control API decides.
      const first = await client.createIntent(target, { amount: '8.44', description: 'first', externalReference: 'busy-1' })
      const e = await rejectsWith(
        client.createIntent(target, { amount: '9.00', description: 'second', externalReference: 'busy-2' }),
        'ALREADY_QUEUED',
      )
      assert.equal(e.holdingSale, first.id, api)
      assert.ok(e.message.includes('busy-1'), e.message)
      // Without whenBusyMs a charge is ALREADY_QUEUED at once, naming the same sale.
      const now = await rejectsWith(
        client.charge(target, { amount: '9.00', description: 'second', externalReference: 'busy-2' }, FAST),
        'ALREADY_QUEUED',
      )
      assert.equal(now.holdingSale, first.id)

      // With it, the charge tries again while the first sale is on the terminal, and goes on
      // once the first customer pays.
      const creates = () => sim.counters().requests.CreateIntent || 0
      const before = creates()
      const charging = client.charge(target, { amount: '9.00', description: 'second', externalReference: 'busy-2' }, { ...FAST, whenBusyMs: 20000 })
      await until(() => creates() >= before + 2, 10000)
      assert.equal(made('busy-2'), 0, 'nothing created while busy')
      sim.presentCard(first.id, 'approved')
      const sale = await charging
      assert.equal(sale.verdict, 'APPROVED', `${api}: ${sale.reason}`)
      assert.equal(sale.intent.externalReference, 'busy-2')

      // onBusy is told of each ALREADY_QUEUED met (an MppointError naming the holder); here the
      // first customer pays once the second sale has been refused twice.
      const again = await client.createIntent(target, { amount: '8.44', description: 'again', externalReference: 'busy-1b' })
      const told = []
      const sold = await client.charge(target, { amount: '9.00', description: 'third', externalReference: 'busy-2b' }, {
        ...FAST,
        whenBusyMs: 20000,
        onBusy: (err) => {
          assert.ok(err instanceof MppointError)
          told.push([err.code, err.holdingSale])
          if (told.length === 2) sim.presentCard(again.id, 'approved')
        },
      })
      assert.equal(sold.verdict, 'APPROVED', sold.reason)
      assert.ok(told.length >= 2)
      assert.deepEqual(told[0], ['ALREADY_QUEUED', again.id])
      // An onBusy that throws stops the wait: nothing is created, the charge rejects with it.
      const blocker = await client.createIntent(target, { amount: '8.44', description: 'blocker', externalReference: 'busy-1c' })
      const boom = new Error('the cashier pressed cancel')
      await assert.rejects(
        client.charge(target, { amount: '9.00', description: 'thrown', externalReference: 'busy-2c' }, {
          ...FAST,
          whenBusyMs: 20000,
          onBusy: () => {
            throw boom
          },
        }),
        (e) => e === boom,
      )
      assert.equal(made('busy-2c'), 0)
      sim.presentCard(blocker.id, 'approved')
      await client.waitForFinal(blocker.id, FAST)

      // Bounded: a terminal that stays busy is ALREADY_QUEUED once the time is up.
      const held = await client.createIntent(target, { amount: '8.44', description: 'held', externalReference: 'busy-3' })
      const late = await rejectsWith(
        client.charge(target, { amount: '9.00', description: 'late', externalReference: 'busy-4' }, { ...FAST, whenBusyMs: 300 }),
        'ALREADY_QUEUED',
      )
      assert.equal(late.holdingSale, held.id)
      // The signal stops the wait for the terminal: nothing is created.
      const ac = new AbortController()
      const stopped = client.charge(target, { amount: '9.00', description: 'stopped', externalReference: 'busy-5' }, { ...FAST, whenBusyMs: 60000, signal: ac.signal })
      const at = creates()
      await until(() => creates() > at, 10000)
      ac.abort(new Error('the cashier gave up'))
      const c = await rejectsWith(stopped, 'CANCELED')
      assert.match(c.message, /nothing was created/)
      assert.equal(made('busy-5'), 0)
      // Out of range.
      const bad = await rejectsWith(
        client.charge(target, { amount: '9.00', description: 'bad', externalReference: 'busy-6' }, { whenBusyMs: 90_000_000 }),
        'INVALID_ARGUMENT',
      )
      assert.equal(bad.field, 'when_busy')
      await rejectsWith(
        client.charge(target, { amount: '9.00', description: 'bad', externalReference: 'busy-6' }, { whenBusyMs: -1 }),
        'INVALID_ARGUMENT',
      )
      sim.presentCard(held.id, 'approved')
    } finally {
      sim.stop()
    }
  }
})

test("whenBusyMs through the sale journal: the core's charge waits for the terminal too", async () => {
  const fs = require('node:fs')
  const os = require('node:os')
  const path = require('node:path')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mppoint-busy-journal-'))
  const sim = startSimulator()
  try {
    const client = clientFor(sim, { journal: path.join(dir, 'sales.journal') })
    const target = { device: DEV1 }
    const first = await client.createIntent(target, { amount: '8.44', description: 'first', externalReference: 'jb-1' })
    const e = await rejectsWith(
      client.charge(target, { amount: '9.00', description: 'second', externalReference: 'jb-2' }, FAST),
      'ALREADY_QUEUED',
    )
    assert.equal(e.holdingSale, first.id)
    const creates = () => sim.counters().requests.CreateIntent || 0
    const before = creates()
    const told = []
    const charging = client.charge(target, { amount: '9.00', description: 'second', externalReference: 'jb-3' }, {
      ...FAST,
      whenBusyMs: 20000,
      onBusy: (err) => told.push(err.holdingSale),
    })
    await until(() => creates() >= before + 2, 10000)
    sim.presentCard(first.id, 'approved')
    const sale = await charging
    assert.equal(told[0], first.id)
    assert.equal(sale.verdict, 'APPROVED', sale.reason)
    assert.equal(sale.intent.externalReference, 'jb-3')
    // The journal has it, paid and not yet booked.
    const pending = await client.pending()
    assert.ok(pending.some((p) => p.reference === 'jb-3' && p.paid), JSON.stringify(pending))
  } finally {
    sim.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('holdingSale survives the MppointError class and is absent on other errors', async () => {
  const e = new MppointError('busy', { code: 'ALREADY_QUEUED', transient: false, holdingSale: 'abc' })
  assert.equal(e.holdingSale, 'abc')
  const sim = startSimulator()
  try {
    const client = clientFor(sim)
    const nf = await rejectsWith(client.getIntent('00000000-0000-4000-8000-000000000000'), 'NOT_FOUND')
    assert.equal(nf.holdingSale, undefined)
  } finally {
    sim.stop()
  }
})

test('a tip on an Orders payment: sale.tip and payment.tipAmount as exact strings', async () => {
  const sim = startSimulator()
  try {
    const client = clientFor(sim, { api: 'orders' })
    const plain = await client.charge({ device: DEV1 }, { amount: '30.00', description: 'no tip', externalReference: 'tip-0' }, FAST)
    assert.equal(plain.isPaid, true)
    assert.equal(plain.tip, undefined)
    assert.equal(plain.approvedPayment.tipAmount, undefined)

    const held = await client.createIntent({ device: DEV1 }, { amount: '20.44', description: 'tip', externalReference: 'tip-1' })
    sim.addTip(held.id, '3.10')
    sim.presentCard(held.id, 'approved')
    const sale = await client.saleFor((await client.waitForFinal(held.id, FAST)).id)
    assert.equal(sale.verdict, 'APPROVED', sale.reason)
    assert.equal(sale.amount, '20.44')
    assert.equal(sale.tip, '3.10')
    assert.equal(sale.tipCents, 310)
    assert.equal(typeof sale.tip, 'string')
    assert.equal(sale.approvedPayment.tipAmount, '3.10')
    assert.equal(sale.approvedPayment.tipAmountCents, 310)
    // A tipped order is refunded only in full.
    const e = await rejectsWith(client.refundOrder(held.id, { amount: '5.00' }), 'REFUND_NOT_ALLOWED')
    assert.match(e.message, /tip/)
    await client.refundOrder(held.id)
    // A bad tip is refused by the simulator's control as an amount.
    assert.throws(() => sim.addTip(held.id, 0.1 + 0.2), (err) => err.code === 'INVALID_AMOUNT')
  } finally {
    sim.stop()
  }
})

test('an account without partial refunds refuses one with REFUND_NOT_ALLOWED', async () => {
  const sim = startSimulator({ partialRefunds: false })
  try {
    const client = clientFor(sim, { api: 'orders' })
    const sale = await client.charge({ device: DEV1 }, { amount: '30.00', description: 'x', externalReference: 'pr-1' }, FAST)
    await rejectsWith(client.refundOrder(sale.intent.id, { amount: '1.00' }), 'REFUND_NOT_ALLOWED')
  } finally {
    sim.stop()
  }
})
