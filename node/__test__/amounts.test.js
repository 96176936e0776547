'use strict'
// Amount inputs: strings, integer cents through cents(), numbers whose shortest form has one or
// two decimals (a whole number could be units or cents); everything else is INVALID_AMOUNT before anything is sent.

const test = require('node:test')
const assert = require('node:assert/strict')
const { cents, amountCents, Client } = require('..')
const { startSimulator, clientFor, FAST, rejectsWith, throwsWith } = require('./helpers')

test('strings, numbers and cents() give exact cents', () => {
  assert.equal(amountCents('12.47'), 1247)
  assert.equal(amountCents('12.5'), 1250)
  assert.equal(amountCents('12'), 1200)
  assert.equal(amountCents('0.01'), 1)
  assert.equal(amountCents(10.14), 1014)
  assert.equal(amountCents(0.1), 10)
  assert.equal(amountCents(1.15), 115) // 1.15 * 100 is 114.99999999999999 as a float
  assert.equal(amountCents(69999.9), 6999990)
  assert.equal(cents(1247), '12.47')
  assert.equal(cents(5), '0.05')
  assert.equal(cents(500), '5.00')
  assert.equal(amountCents(cents(123456789)), 123456789)
})

test('a whole number is refused: 12 could be 12.00 or 12 cents', () => {
  for (const [whole, text] of [[12, '12'], [1247, '1247'], [70000, '70000']]) {
    const e = throwsWith(() => amountCents(whole), 'INVALID_AMOUNT')
    assert.match(e.message, new RegExp(`could mean ${text}\\.00 or ${text} cents`))
    assert.equal(e.field, 'amount')
  }
  // What it says to pass instead works.
  assert.equal(amountCents('12.00'), 1200)
  assert.equal(amountCents(cents(12)), 12)
})

test('0.1 + 0.2 and 10.145 are refused, with advice', () => {
  const e = throwsWith(() => amountCents(0.1 + 0.2), 'INVALID_AMOUNT')
  assert.match(e.message, /0\.30000000000000004/)
  assert.match(e.message, /string or integer cents/)
  assert.equal(e.field, 'amount')
  throwsWith(() => amountCents(10.145), 'INVALID_AMOUNT')
  throwsWith(() => amountCents('10.145'), 'INVALID_AMOUNT')
})

test('malformed amounts are INVALID_AMOUNT, wrong types INVALID_ARGUMENT', () => {
  for (const bad of ['', '12,47', '1e3', '-1.00', ' 1.00', '0', '0.00', 'NaN', 'abc', '1.2.3']) {
    throwsWith(() => amountCents(bad), 'INVALID_AMOUNT')
  }
  assert.match(throwsWith(() => amountCents('12,47'), 'INVALID_AMOUNT').message, /comma/)
  for (const bad of [NaN, Infinity, -Infinity, -1, 0, 1e21]) {
    throwsWith(() => amountCents(bad), 'INVALID_AMOUNT')
  }
  for (const bad of [true, {}, [], undefined, null]) {
    throwsWith(() => amountCents(bad), 'INVALID_ARGUMENT')
  }
  for (const bad of [0, -5, 12.5, NaN, 2 ** 60]) {
    throwsWith(() => cents(bad), 'INVALID_AMOUNT')
  }
})

test('a create sends the amount as two decimals and returns it as string and cents', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const client = clientFor(sim)
  const cases = [
    ['12.5', '12.50', 1250],
    [12.47, '12.47', 1247],
    [cents(1998), '19.98', 1998],
    ['7', '7.00', 700],
  ]
  for (const [input, text, c] of cases) {
    const i = await client.createIntent({ pos: 'SUC001POS001' }, { amount: input, description: 'd', externalReference: 'r' })
    assert.equal(i.amount, text)
    assert.equal(i.amountCents, c)
    assert.equal(i.operations[0].amount, text)
    assert.equal(i.operations[0].amountCents, c)
    // What the simulator received and stored is the same exact amount.
    assert.equal(sim.intent(i.id).amount, text)
    await client.waitForFinal(i.id, FAST)
    const sale = await client.saleFor(i.id)
    assert.equal(sale.verdict, 'APPROVED')
    assert.equal(sale.approvedPayment.transactionAmount, text)
    assert.equal(sale.approvedPayment.transactionAmountCents, c)
  }
})

test('bad amounts and site limits are refused before anything is sent', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const client = clientFor(sim, { site: 'MLB' })
  assert.deepEqual(client.amountLimits, { min: '1.00', minCents: 100, max: '70000.00', maxCents: 7000000 })
  const req = (amount) => ({ amount, description: 'd', externalReference: 'r' })
  await rejectsWith(client.createIntent({ pos: 'SUC001POS001' }, req(0.1 + 0.2)), 'INVALID_AMOUNT')
  await rejectsWith(client.createIntent({ pos: 'SUC001POS001' }, req(10.145)), 'INVALID_AMOUNT')
  await rejectsWith(client.createIntent({ pos: 'SUC001POS001' }, req('10.145')), 'INVALID_AMOUNT')
  await rejectsWith(client.charge({ pos: 'SUC001POS001' }, req('1,00')), 'INVALID_AMOUNT')
  const e = await rejectsWith(client.createIntent({ pos: 'SUC001POS001' }, req('70000.01')), 'INVALID_AMOUNT')
  assert.equal(e.message, 'amount 70000.01 is above the MLB maximum of 70000.00')
  await rejectsWith(client.createIntent({ pos: 'SUC001POS001' }, req(0.99)), 'INVALID_AMOUNT')
  assert.equal(sim.counters().requests.CreateIntent ?? 0, 0)

  const custom = clientFor(sim, { amountLimits: { min: '0.50', max: cents(1000) } })
  assert.deepEqual(custom.amountLimits, { min: '0.50', minCents: 50, max: '10.00', maxCents: 1000 })
  await rejectsWith(custom.createIntent({ pos: 'SUC001POS001' }, req(10.01)), 'INVALID_AMOUNT')
  assert.throws(() => new Client({ ...sim.clientOptions(), amountLimits: { min: '5', max: '1' } }), { code: 'CONFIG' })
})

test('refunds take the same amount inputs', async (t) => {
  const sim = startSimulator()
  t.after(() => sim.stop())
  const client = clientFor(sim)
  const sale = await client.charge({ pos: 'SUC001POS001' }, { amount: '30.00', description: 'd', externalReference: 'r' }, FAST)
  const pid = sale.approvedPayment.id
  const r1 = await client.refundPayment(pid, { amount: 10.1 })
  assert.equal(r1.amount, '10.10')
  assert.equal(r1.amountCents, 1010)
  const r2 = await client.refundPayment(pid, { amount: cents(505) })
  assert.equal(r2.amount, '5.05')
  await rejectsWith(client.refundPayment(pid, { amount: 0.1 + 0.2 }), 'INVALID_AMOUNT')
  const p = await client.getPayment(pid)
  assert.equal(p.transactionAmountRefunded, '15.15')
  assert.equal(p.transactionAmountRefundedCents, 1515)
})
