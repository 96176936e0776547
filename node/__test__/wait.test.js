'use strict'
// Waiting without blocking: the JS thread keeps running, libuv's worker pool stays free, 50 waits
// run at once, an AbortSignal ends a wait promptly, onStatus is called on the JS thread in order.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const crypto = require('node:crypto')
const dns = require('node:dns')
const { Client } = require('..')
const { startSimulator, clientFor, manyTills, FAST, until, rejectsWith } = require('./helpers')

const sale = (amount, ref = 'o') => ({ amount, description: 'Sale', externalReference: ref })
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

test('a setInterval keeps ticking during a long waitForFinal', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const held = await c.createIntent({ pos: 'SUC001POS001' }, sale('1.44'))
  let ticks = 0
  let last = performance.now()
  let maxGap = 0
  const timer = setInterval(() => {
    const now = performance.now()
    maxGap = Math.max(maxGap, now - last)
    last = now
    ticks++
  }, 10)
  const started = performance.now()
  const waiting = c.waitForFinal(held.id, { pollIntervalMs: 25, timeoutMs: 60000 })
  setTimeout(() => sim.presentCard(held.id, 'approved'), 3000)
  const done = await waiting
  const elapsed = performance.now() - started
  clearInterval(timer)
  assert.equal(done.status, 'CLOSED')
  assert.ok(elapsed >= 3000, `the wait lasted ${elapsed} ms`)
  // A wait that held the JS thread would stop the timer for the whole wait (3 s or more). The
  // bounds are generous, so a loaded machine cannot fail them: the timer kept firing, and no pause
  // came near the wait's length.
  assert.ok(ticks >= 10, `${ticks} ticks in ${elapsed.toFixed(0)} ms`)
  assert.ok(maxGap < elapsed / 2, `the longest pause between ticks was ${maxGap.toFixed(0)} ms of ${elapsed.toFixed(0)}`)
})

test('50 waits at once hold no libuv worker: fs, crypto and dns complete while all of them wait', async (t) => {
  const sim = startSimulator(manyTills(50))
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const intents = await Promise.all(
    Array.from({ length: 50 }, (_, i) => c.createIntent({ pos: `POS${i + 1}` }, sale('2.44', `h-${i}`))),
  )
  let settled = 0
  const waits = intents.map((i) =>
    c.waitForFinal(i.id, { pollIntervalMs: 50, timeoutMs: 30000 }).finally(() => settled++),
  )
  await sleep(200) // every wait has polled and is sleeping between polls
  // Node's worker pool has 4 threads; a wait that held one would starve these. Every intent is
  // held on its terminal until presentCard below, so none of the waits can end before they do.
  const [file, key, addr] = await Promise.all([
    fs.promises.readFile(__filename, 'utf8'),
    new Promise((res, rej) => crypto.pbkdf2('pw', 'salt', 1000, 32, 'sha256', (e, k) => (e ? rej(e) : res(k)))),
    new Promise((res, rej) => dns.lookup('localhost', (e, a) => (e ? rej(e) : res(a)))),
  ])
  assert.match(file, /50 waits at once/)
  assert.equal(key.length, 32)
  assert.ok(addr)
  assert.equal(settled, 0, 'all 50 waits were still pending while fs, crypto and dns completed')
  for (const i of intents) sim.presentCard(i.id, 'approved')
  const done = await Promise.all(waits)
  assert.ok(done.every((i) => i.status === 'CLOSED'))
})

test('50 waits at once finish in about the time of one', async (t) => {
  // Slow terminals, so a wait's duration is the terminal's, not the machine's.
  const sim = startSimulator({ ...manyTills(50), pickupDelayMs: 200, stepDelayMs: 100 })
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const timed = async (n) => {
    const intents = await Promise.all(
      Array.from({ length: n }, (_, i) => c.createIntent({ pos: `POS${i + 1}` }, sale('3.00', `c-${i}`))),
    )
    const t0 = performance.now()
    const done = await Promise.all(intents.map((i) => c.waitForFinal(i.id, { pollIntervalMs: 50, timeoutMs: 30000 })))
    assert.ok(done.every((i) => i.status === 'CLOSED'))
    return performance.now() - t0
  }
  const one = await timed(1)
  const fifty = await timed(50)
  // One wait lasts about 0.5 s (pickup + 3 steps); fifty in series would take fifty times that.
  // Together they take about as long as one; the bound (a quarter of the serial time) is generous
  // so that a loaded machine cannot fail it, and still tells concurrent from serial waits.
  console.log(`one wait ${one.toFixed(0)} ms, fifty at once ${fifty.toFixed(0)} ms`)
  assert.ok(fifty < one * 12.5, `one wait ${one.toFixed(0)} ms, fifty at once ${fifty.toFixed(0)} ms`)
})

test('an aborted signal ends a wait promptly with CANCELED, the reason as cause', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const held = await c.createIntent({ pos: 'SUC001POS001' }, sale('1.44'))

  // Aborted while sleeping between polls of 10 s.
  const ac = new AbortController()
  const t0 = performance.now()
  setTimeout(() => ac.abort(), 100)
  let e = await rejectsWith(c.waitForFinal(held.id, { pollIntervalMs: 120000, signal: ac.signal }), 'CANCELED')
  const took = performance.now() - t0
  // The abort ended the 120 s pause (a generous bound, not a speed test).
  assert.ok(took < 60000, `ended ${took.toFixed(0)} ms after the start, abort at 100 ms`)
  assert.equal(e.intentId, held.id)
  assert.ok(e.cause instanceof Error && e.cause.name === 'AbortError')
  assert.equal(e.transient, false)

  // Aborted while a poll is in flight (the server takes 5 s to answer).
  sim.addFault({ endpoint: 'GetIntent', kind: { type: 'Latency', ms: 20000 }, times: 1 })
  const t1 = performance.now()
  e = await rejectsWith(c.waitForFinal(held.id, { pollIntervalMs: 20, signal: AbortSignal.timeout(150) }), 'CANCELED')
  assert.ok(performance.now() - t1 < 15000, 'not after the 20 s answer')
  assert.equal(e.cause.name, 'TimeoutError')

  // Already aborted: no poll at all.
  const polls = sim.counters().requests.GetIntent
  const reason = new Error('the customer left')
  e = await rejectsWith(c.waitForFinal(held.id, { signal: AbortSignal.abort(reason) }), 'CANCELED')
  assert.equal(e.cause, reason)
  assert.equal(sim.counters().requests.GetIntent, polls)

  // The intent is untouched by an aborted wait.
  assert.equal((await c.getIntent(held.id)).status, 'ON_TERMINAL')
  sim.presentCard(held.id, 'approved')
  assert.equal((await c.waitForFinal(held.id, FAST)).status, 'CLOSED')
})

test('one signal for many waits leaves no listener behind', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  const ac = new AbortController()
  let listeners = 0
  const add = ac.signal.addEventListener.bind(ac.signal)
  const remove = ac.signal.removeEventListener.bind(ac.signal)
  ac.signal.addEventListener = (...a) => {
    listeners++
    return add(...a)
  }
  ac.signal.removeEventListener = (...a) => {
    listeners--
    return remove(...a)
  }
  for (let i = 0; i < 30; i++) {
    const s = await c.charge({ pos: 'SUC001POS001' }, sale('1.00', `l-${i}`), { ...FAST, signal: ac.signal })
    assert.equal(s.verdict, 'APPROVED')
  }
  assert.equal(listeners, 0)
  await sleep(10)
  assert.deepEqual(warnings.map(String), [])
})

test('charge checks the wait options before creating anything', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  await rejectsWith(c.charge({ pos: 'SUC001POS001' }, sale('1.00'), { pollIntervalMs: 1 }), 'INVALID_ARGUMENT')
  await rejectsWith(c.charge({ pos: 'SUC001POS001' }, sale('1.00'), { timeoutMs: 0, signal: new AbortController().signal }), 'INVALID_ARGUMENT')
  assert.equal(sim.counters().intentsCreated, 0)
})

test('charge with a signal: the abort stops the wait, the error names the intent and its key', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const ac = new AbortController()
  const statuses = []
  const charging = c.charge({ pos: 'SUC001POS002' }, sale('5.44'), {
    ...FAST,
    signal: ac.signal,
    onStatus: (i) => {
      statuses.push(i.status)
      if (i.status === 'ON_TERMINAL') ac.abort()
    },
  })
  const e = await rejectsWith(charging, 'CANCELED')
  assert.ok(e.intentId)
  assert.match(e.idempotencyKey, /^[0-9a-f-]{36}$/)
  assert.equal(e.lastStatus, 'ON_TERMINAL')
  assert.deepEqual(statuses.slice(-1), ['ON_TERMINAL'])
  assert.equal(sim.intent(e.intentId).status, 'ON_TERMINAL', 'the intent goes on')
  sim.cancelOnTerminal(e.intentId)
  await c.waitForFinal(e.intentId, FAST)
})

test('onStatus: every change, in order, on the JS thread, before the wait settles', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const seen = []
  let settledBeforeLast = false
  let done = false
  const s = await c.charge({ pos: 'SUC001POS001' }, sale('7.00'), {
    ...FAST,
    onStatus: (i) => {
      if (done) settledBeforeLast = true
      seen.push(i.status)
      assert.equal(typeof i.id, 'string')
      assert.equal(i.amount, '7.00')
    },
  })
  done = true
  assert.equal(s.verdict, 'APPROVED')
  assert.equal(settledBeforeLast, false)
  // The created intent first, then each change the wait saw (never the same status twice in a
  // row: the first poll's OPENED is not told again), ending with the final one.
  assert.equal(seen[0], 'OPENED')
  assert.equal(seen.at(-1), 'CLOSED')
  for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], seen.join(','))
  const order = ['OPENED', 'ON_TERMINAL', 'PROCESSING', 'PROCESSED', 'CLOSED']
  const idx = seen.map((x) => order.indexOf(x))
  assert.deepEqual(idx, [...idx].sort((a, b) => a - b))
  assert.ok(seen.includes('ON_TERMINAL'), seen.join(','))
})

test('onStatus that throws stops the wait with ABORTED, what it threw as cause; async callbacks are fine', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim)
  const i = await c.createIntent({ pos: 'SUC001POS001' }, sale('1.44'))
  const boom = new Error('display broke')
  await assert.rejects(
    c.waitForFinal(i.id, {
      ...FAST,
      onStatus: (x) => {
        if (x.status === 'ON_TERMINAL') throw boom
      },
    }),
    (e) => {
      // The one ABORTED of every language: it names the intent and says what was thrown.
      assert.equal(e.code, 'ABORTED')
      assert.equal(e.intentId, i.id)
      assert.equal(e.lastStatus, 'ON_TERMINAL')
      assert.match(e.message, /the status callback failed: onStatus threw: display broke/)
      assert.equal(e.cause, boom)
      return true
    },
  )
  sim.presentCard(i.id, 'approved')
  const seen = []
  const done = await c.waitForFinal(i.id, {
    ...FAST,
    // Its return value is ignored: a returned Promise is not awaited.
    onStatus: async (x) => {
      seen.push(x.status)
      await sleep(1)
    },
  })
  assert.equal(done.status, 'CLOSED')
  assert.ok(seen.includes('CLOSED'))
})

test('a wait rides out transient trouble until the deadline', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const c = clientFor(sim, { retries: 0 })
  const i = await c.createIntent({ pos: 'SUC001POS001' }, sale('1.00'))
  sim.addFault({ endpoint: 'GetIntent', kind: { type: 'Status', status: 503 }, times: 3 })
  sim.addFault({ endpoint: 'GetIntent', kind: { type: 'MalformedJson' }, times: 1 })
  const done = await c.waitForFinal(i.id, { pollIntervalMs: 10, timeoutMs: 20000 })
  assert.equal(done.status, 'CLOSED')
  assert.ok(sim.counters().faultsApplied >= 4)
  // A 401 ends it at once.
  const bad = new Client({ ...sim.clientOptions(), accessToken: 'wrong' })
  await rejectsWith(bad.waitForFinal(i.id, FAST), 'UNAUTHORIZED')
})
