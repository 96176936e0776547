'use strict'
// The sale journal through Node: one charge per sale reference across clients (restarts), the
// pending sales, settling them exactly once, the signal and onStatus of a journaled charge, and
// what a bad journal path gives.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Client } = require('..')
const { startSimulator, clientFor, rejectsWith, throwsWith, FAST } = require('./helpers')

const POS = { pos: 'SUC001POS001' }

function tempFolder(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mppoint-node-journal-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function sale(reference, amount = '10.00') {
  return { amount, description: 'journal sale', externalReference: reference }
}

test('a reference is charged once, across clients of one journal', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const journal = path.join(tempFolder(t), 'sales.journal')
  const client = clientFor(sim, { journal, journalRetentionSecs: 30 * 24 * 3600 })
  const created = sim.counters().intentsCreated

  const first = await client.charge(POS, sale('order-node-journal-1'), FAST)
  assert.equal(first.verdict, 'APPROVED')
  const again = await client.charge(POS, sale('order-node-journal-1'), FAST)
  assert.equal(again.approvedPayment.id, first.approvedPayment.id)
  assert.equal(again.intent.id, first.intent.id)
  assert.equal(sim.counters().intentsCreated, created + 1)

  // A restarted POS: another client of the same file gives the same sale, nothing charged.
  const restarted = clientFor(sim, { journal })
  const third = await restarted.charge(POS, sale('order-node-journal-1'), FAST)
  assert.equal(third.approvedPayment.id, first.approvedPayment.id)
  assert.equal(sim.counters().intentsCreated, created + 1)

  const pending = await client.pending()
  assert.equal(pending.length, 1)
  const p = pending[0]
  assert.equal(p.reference, 'order-node-journal-1')
  assert.equal(p.paid, true)
  assert.equal(p.paymentId, first.approvedPayment.id)
  assert.equal(p.intentId, first.intent.id)
  assert.equal(p.state, 'FINAL')
  assert.equal(p.verdict, 'APPROVED')
  assert.equal(p.amount, '10.00')
  assert.equal(p.amountCents, 1000)
  assert.equal(p.api, 'intents')
  assert.equal(p.target, 'pos:SUC001POS001')
  assert.equal(p.description, 'journal sale')
  assert.equal(p.attempt, 1)
  assert.equal(p.note, undefined)
  assert.ok(p.updatedAt >= p.createdAt && p.createdAt > 0)

  // Booked once: true, then false; then nothing is pending.
  assert.equal(await client.settle('order-node-journal-1'), true)
  assert.equal(await restarted.settle('order-node-journal-1'), false)
  assert.deepEqual(await client.pending(), [])
  assert.deepEqual(await client.resolvePending(), [])
  assert.deepEqual(await client.resolvePending('settle', FAST), [])
})

test('a journaled charge tells onStatus in order and stops on the signal', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const client = clientFor(sim, { journal: path.join(tempFolder(t), 'sales.journal') })

  const seen = []
  const paid = await client.charge(POS, sale('order-node-journal-2'), { ...FAST, onStatus: (i) => seen.push(i.status) })
  assert.equal(paid.verdict, 'APPROVED')
  assert.equal(await client.settle('order-node-journal-2'), true)
  assert.equal(seen[seen.length - 1], 'CLOSED')
  assert.ok(seen.length >= 2, seen.join(','))

  // `.44` waits on the terminal: the signal stops the wait, with the signal's reason as cause.
  const ac = new AbortController()
  const reason = new Error('cashier pressed cancel')
  const e = await rejectsWith(
    client.charge(POS, sale('order-node-journal-3', '10.44'), {
      ...FAST,
      signal: ac.signal,
      onStatus: (i) => {
        if (i.status === 'ON_TERMINAL') ac.abort(reason)
      },
    }),
    'CANCELED',
  )
  assert.equal(e.cause, reason)
  assert.ok(e.intentId)
  // It is on the terminal: pending, not final, until the terminal ends it.
  const [left] = await client.pending()
  assert.equal(left.reference, 'order-node-journal-3')
  assert.equal(left.intentId, e.intentId)
  assert.equal(left.paid, false)
  await rejectsWith(client.settle('order-node-journal-3'), 'SALE_IN_PROGRESS')
  // The customer pays; ringing the same reference again waits for that very intent.
  sim.presentCard(e.intentId, 'approved')
  const resumed = await client.charge(POS, sale('order-node-journal-3', '10.44'), FAST)
  assert.equal(resumed.intent.id, e.intentId)
  assert.equal(resumed.verdict, 'APPROVED')
})

test('onStatus throwing stops a journaled charge with ABORTED', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const client = clientFor(sim, { journal: path.join(tempFolder(t), 'sales.journal') })
  const thrown = new Error('display failed')
  const e = await rejectsWith(
    client.charge(POS, sale('order-node-journal-4', '10.44'), {
      ...FAST,
      onStatus: () => {
        throw thrown
      },
    }),
    'ABORTED',
  )
  assert.equal(e.cause, thrown)
  assert.ok(e.intentId)
  assert.ok(e.idempotencyKey)
})

test('what a bad journal gives', async (t) => {
  const dir = tempFolder(t)
  let e = throwsWith(() => new Client({ accessToken: 't', journal: dir }), 'JOURNAL')
  assert.ok(e.message.includes(dir), e.message)
  assert.ok(e.message.includes('this is a folder'), e.message)
  const notes = path.join(dir, 'notes.txt')
  fs.writeFileSync(notes, "These are the shop's notes, not a sale journal.\n")
  e = throwsWith(() => new Client({ accessToken: 't', journal: notes }), 'JOURNAL')
  assert.ok(e.message.includes(notes), e.message)
  assert.ok(e.message.includes('not a sale journal'), e.message)
  assert.equal(fs.readFileSync(notes, 'utf8'), "These are the shop's notes, not a sale journal.\n")
  e = throwsWith(() => new Client({ accessToken: 't', journal: path.join(dir, 'j'), journalRetentionSecs: -1 }), 'INVALID_ARGUMENT')
  assert.equal(e.field, 'journal_retention_secs')

  const plain = new Client({ accessToken: 't', baseUrl: 'http://127.0.0.1:9', retries: 0 })
  for (const call of [() => plain.pending(), () => plain.settle('order-1'), () => plain.resolvePending()]) {
    e = await rejectsWith(call(), 'CONFIG')
    assert.ok(e.message.includes('no sale journal'), e.message)
  }
  const journaled = new Client({ accessToken: 't', baseUrl: 'http://127.0.0.1:9', retries: 0, journal: path.join(dir, 'sales.journal') })
  e = await rejectsWith(journaled.settle('order-node-unknown'), 'NOT_FOUND')
  assert.ok(e.message.includes('is not in the journal'), e.message)
  assert.equal(e.externalReference, 'order-node-unknown')
  e = await rejectsWith(journaled.resolvePending('ignore'), 'INVALID_ARGUMENT')
  assert.equal(e.field, 'approved_policy')
  await rejectsWith(journaled.settle(42), 'INVALID_ARGUMENT')
})
