'use strict'
// Shared by the suites: a fast simulator and a client pointed at it.

const { Client, Simulator } = require('..')

/** A simulator whose terminals move fast (20 ms steps), merged with `config`. */
function startSimulator(config = {}) {
  return new Simulator({ pickupDelayMs: 20, stepDelayMs: 20, ...config })
}

/** A client for `sim` that polls fast, merged with `options`. */
function clientFor(sim, options = {}) {
  return new Client({ ...sim.clientOptions(), retryBaseDelayMs: 10, ...options })
}

/** A simulator config with `n` POSes `POS1..POSn`, each with its PDV device `DEV__n`. */
function manyTills(n) {
  const pos = []
  const devices = []
  for (let i = 1; i <= n; i++) {
    pos.push({ id: 3000000 + i, externalId: `POS${i}`, storeId: '1' })
    devices.push({ id: `PAX_A910__DEV${String(i).padStart(6, '0')}`, posExternalId: `POS${i}`, operatingMode: 'PDV' })
  }
  return { stores: [{ id: '1', name: 'Store' }], pos, devices }
}

const FAST = { pollIntervalMs: 20, timeoutMs: 20000 }

/** Resolves once `pred()` is true, polling every 5 ms (at most `ms`). */
async function until(pred, ms = 5000) {
  const end = Date.now() + ms
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** Rejects unless `promise` rejects with an MppointError of `code`; returns the error. */
async function rejectsWith(promise, code) {
  const { MppointError } = require('..')
  try {
    await promise
  } catch (e) {
    if (!(e instanceof MppointError)) throw new Error(`expected an MppointError ${code}, got ${e && e.stack}`)
    if (e.code !== code) throw new Error(`expected code ${code}, got ${e.code}: ${e.message}`)
    return e
  }
  throw new Error(`expected a rejection with ${code}, but it resolved`)
}

/** Like rejectsWith, for a synchronous call. */
function throwsWith(fn, code) {
  const { MppointError } = require('..')
  try {
    fn()
  } catch (e) {
    if (!(e instanceof MppointError)) throw new Error(`expected an MppointError ${code}, got ${e && e.stack}`)
    if (e.code !== code) throw new Error(`expected code ${code}, got ${e.code}: ${e.message}`)
    return e
  }
  throw new Error(`expected a throw with ${code}`)
}

module.exports = { startSimulator, clientFor, manyTills, FAST, until, rejectsWith, throwsWith }
