'use strict'
// A Node POS killed mid-sale (SIGKILL: the till's power cut) and started again with its sale
// journal: the sale resumes on the same intent or order, is never charged twice, and ends with
// its true verdict, on both APIs. The POS is a real child process; the test waits for the lines
// it prints, never for a fixed time.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { startSimulator, clientFor, until } = require('./helpers')

const POS = { pos: 'SUC001POS001' }
const PACKAGE = require.resolve('..')
const FAST = { pollIntervalMs: 20, timeoutMs: 60_000 }

// The POS: one sale of an amount whose cents (.44) keep it on the simulated terminal until the
// test presents the card, printing each status it sees.
const POS_PROGRAM = `
const { Client } = require(process.argv[1])
const [options, journal, reference] = [JSON.parse(process.argv[2]), process.argv[3], process.argv[4]]
const amount = process.argv[5] || '10.44'
const client = new Client({ ...options, journal })
client
  .charge({ pos: 'SUC001POS001' }, { amount, description: 'crash sale', externalReference: reference }, {
    pollIntervalMs: 20,
    timeoutMs: 120000,
    onStatus: (intent) => console.log('STATUS', intent.status, intent.id),
  })
  .then((sale) => console.log('VERDICT', sale.verdict))
`

function tempFolder(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mppoint-node-crash-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Starts the POS, kills it with SIGKILL once its sale is on the terminal, and resolves with the
 * intent (or order) id it was following. */
function killWhenOnTerminal(options, journal, reference) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', POS_PROGRAM, PACKAGE, JSON.stringify(options), journal, reference], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    let held = null
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const [word, status, id] = line.split(' ')
      if (word === 'STATUS' && status === 'ON_TERMINAL' && held === null) {
        held = id
        child.kill('SIGKILL')
      }
    })
    child.on('exit', (code, signal) => {
      if (held !== null && signal === 'SIGKILL') resolve(held)
      else reject(new Error(`the POS ended before its sale reached the terminal (${code}, ${signal}): ${stderr}`))
    })
  })
}

function sale(reference) {
  return { amount: '10.44', description: 'crash sale', externalReference: reference }
}

for (const api of ['intents', 'orders']) {
  test(`${api}: a POS killed on the terminal resumes the same sale and charges it once`, async (t) => {
    const sim = startSimulator()
    t.after(() => sim.stop())
    const journal = path.join(tempFolder(t), 'till.journal')
    const reference = `crash-node-${api}-1`
    const created = sim.counters().intentsCreated
    const held = await killWhenOnTerminal({ ...sim.clientOptions(), api }, journal, reference)

    // After the power cut the journal still knows the sale and what it was waiting for.
    const client = clientFor(sim, { api, journal })
    const pending = await client.pending()
    assert.equal(pending.length, 1)
    assert.equal(pending[0].reference, reference)
    assert.equal(pending[0].intentId, held)
    assert.equal(pending[0].paid, false)

    // The customer pays while the till is off; the restarted till rings the same sale up again,
    // as a cashier does: it follows the same intent and charges nothing new.
    sim.presentCard(held, 'approved')
    const paid = await client.charge(POS, sale(reference), FAST)
    assert.equal(paid.verdict, 'APPROVED')
    assert.equal(paid.intent.id, held)
    assert.equal(sim.counters().intentsCreated, created + 1, 'charged twice')
    assert.equal(await client.settle(reference), true)
    assert.deepEqual(await client.pending(), [])
    const again = await client.charge(POS, sale(reference), FAST)
    assert.equal(again.intent.id, held)
    assert.equal(sim.counters().intentsCreated, created + 1)
  })
}

test('a sale canceled while the till was off is not paid, and its next charge is a new attempt', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const journal = path.join(tempFolder(t), 'till.journal')
  const reference = 'crash-node-canceled-1'
  const created = sim.counters().intentsCreated
  const held = await killWhenOnTerminal(sim.clientOptions(), journal, reference)
  sim.cancelOnTerminal(held)

  const client = clientFor(sim, { journal })
  const canceled = await client.charge(POS, sale(reference), FAST)
  assert.equal(canceled.verdict, 'CANCELED')
  assert.equal(canceled.intent.id, held)
  assert.equal(sim.counters().intentsCreated, created + 1)

  let second = null
  const retry = client.charge(POS, sale(reference), {
    ...FAST,
    onStatus: (intent) => {
      if (intent.status === 'ON_TERMINAL' && second === null) {
        second = intent.id
        sim.presentCard(second, 'approved')
      }
    },
  })
  const paid = await retry
  assert.equal(paid.verdict, 'APPROVED')
  assert.notEqual(paid.intent.id, held)
  assert.equal(paid.intent.id, second)
  assert.equal(sim.counters().intentsCreated, created + 2)
})

// The journal's transitions, where the core's test hook (MPPOINT_JOURNAL_DIE_AT) aborts the
// process at once, as a power cut would: the crash campaign's hook, here in a Node POS.
const TRANSITIONS = ['planned', 'sent', 'created', 'on_api', 'ended', 'final']

for (const api of ['intents', 'orders']) {
  for (const point of TRANSITIONS) {
    test(`${api}: a POS that dies at "${point}" and rings the sale again charges it once`, async (t) => {
      const sim = startSimulator()
      t.after(() => sim.stop())
      const journal = path.join(tempFolder(t), 'till.journal')
      const reference = `die-node-${api}-${point}`
      const created = sim.counters().intentsCreated
      const pos = spawnSync(
        process.execPath,
        ['-e', POS_PROGRAM, PACKAGE, JSON.stringify({ ...sim.clientOptions(), api }), journal, reference, '10.00'],
        { encoding: 'utf8', env: { ...process.env, MPPOINT_JOURNAL_DIE_AT: point }, timeout: 120_000 },
      )
      assert.equal(pos.signal, 'SIGABRT', `${pos.status} ${pos.stdout} ${pos.stderr}`)
      const client = clientFor(sim, { api, journal })
      const ring = () => client.charge(POS, { amount: '10.00', description: 'crash sale', externalReference: reference }, FAST)
      if (api === 'intents' && point === 'sent') {
        // Died after recording the create as sent, before it went out: the InStore API documents
        // no way to find an intent without its id, so the journal never sends it again; the
        // answer is "unknown" until the reference's payment appears or the lost-create window ends.
        await assert.rejects(ring(), (e) => e.code === 'OUTCOME_UNKNOWN')
        assert.deepEqual((await client.pending()).map((p) => p.reference), [reference])
        assert.equal(sim.counters().intentsCreated, created, 'the hook fires before the create is sent')
        return
      }
      let sale
      try {
        sale = await ring()
      } catch (e) {
        // A lost intent create: what a cashier does is wait for the sale's payment, then ring again.
        assert.equal(e.code, 'OUTCOME_UNKNOWN', e.message)
        await until(async () => (await client.findPayments(reference)).length > 0, 30_000)
        sale = await ring()
      }
      assert.equal(sale.verdict, 'APPROVED')
      assert.equal(sim.counters().intentsCreated, created + 1, 'charged twice')
      assert.equal(await client.settle(reference), true)
      assert.deepEqual(await client.pending(), [])
    })
  }
}
