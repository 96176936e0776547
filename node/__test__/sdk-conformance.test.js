'use strict'
// Signature verification agrees with Mercado Pago's official Node SDK (`mercadopago`, a dev
// dependency): its WebhookSignatureValidator and our webhook.verify give the same verdict on
// thousands of generated cases — valid signatures, tampered ones, and headers mangled every way a
// proxy or an attacker could. The one documented difference (with a tolerance, a 13-digit ts is
// milliseconds here and seconds there) is checked on its own.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { webhook } = require('..')

// A dev dependency of this package: `npm ci` (tests/run_node.sh) installs it.
const sdk = require('mercadopago')

const REASONS = {
  MissingSignatureHeader: 'MISSING_HEADER',
  MalformedSignatureHeader: 'MALFORMED_HEADER',
  MissingTimestamp: 'MISSING_TIMESTAMP',
  MissingHash: 'MISSING_HASH',
  SignatureMismatch: 'SIGNATURE_MISMATCH',
  TimestampOutOfTolerance: 'TIMESTAMP_OUT_OF_TOLERANCE',
}

// A seeded generator (mulberry32), so a failure can be replayed.
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

function gen(seed) {
  const r = rng(seed)
  const int = (n) => Math.floor(r() * n)
  const pick = (xs) => xs[int(xs.length)]
  const chance = (p) => r() < p
  const str = (alphabet, min, max) => {
    let s = ''
    const n = min + int(max - min + 1)
    for (let i = 0; i < n; i++) s += alphabet[int(alphabet.length)]
    return s
  }
  const ws = () => pick(['', '', '', ' ', '  ', '\t'])
  const secret = pick([
    () => str('abcdef0123456789', 32, 64),
    // Never empty: an empty or blank secret is CONFIG for mppoint (a deliberate difference).
    () => 's',
    () => 'sécret-ñ-日本',
    () => 'k' + str('ABCxyz!@#$%^&*()_+ ', 1, 40),
  ])()
  const dataId = pick([
    () => undefined,
    () => null,
    () => '',
    () => '   ',
    () => `${str('0123456789', 7, 7)}-${str('0123456789', 5, 5)}-${str('0123456789', 8, 8)}-${str('0123456789', 10, 10)}`,
    () => crypto.randomUUID(),
    () => str('ABCDEFGHJKMNPQRSTVWXYZ0123456789', 26, 26),
    () => `${ws()}${str('abcXYZ123-', 1, 20)}${ws()}`,
    () => 'añb-ü',
  ])()
  const requestId = pick([
    () => undefined,
    () => null,
    () => '',
    () => ' ',
    () => crypto.randomUUID(),
    () => `${ws()}${crypto.randomUUID()}${ws()}`,
    () => 'rid-ç',
  ])()
  const now = 1_704_908_010_000 + int(10_000_000) * 1000 + int(1000)
  const tsSecs = Math.floor(now / 1000) + pick([0, 0, 1, -1, 30, -30, 299, -299, 300, -300, 301, -301, 3600, -3600, 86400])
  const tsText = pick([
    () => String(tsSecs),
    () => String(tsSecs),
    () => String(tsSecs),
    () => String(tsSecs * 1000 + int(1000)), // 13 digits: only without a tolerance (see below)
    () => `0${tsSecs}`,
    () => `${tsSecs}a`,
    () => `-${tsSecs}`,
    () => `${tsSecs}.5`,
    () => '١٧٠٤٩٠٨٠١٠',
    () => '',
  ])()
  const norm = (v) => (v == null ? '' : String(v).trim())
  const manifestOf = (ts) => {
    let m = ''
    if (norm(dataId)) m += `id:${norm(dataId)};`
    if (norm(requestId)) m += `request-id:${norm(requestId)};`
    return `${m}ts:${ts};`
  }
  const good = crypto.createHmac('sha256', secret).update(manifestOf(tsText.trim())).digest('hex')
  const hash = pick([
    () => good,
    () => good,
    () => good,
    () => good.toUpperCase(),
    () => good.slice(0, -1) + (good.at(-1) === '0' ? '1' : '0'),
    () => good.slice(0, 63),
    () => `${good}00`,
    () => crypto.createHmac('sha256', `${secret}x`).update(manifestOf(tsText.trim())).digest('hex'),
    () => '',
    () => 'not-hex',
  ])()
  const parts = []
  const tsKey = pick(['ts', 'ts', 'TS', 'Ts', ' ts '])
  const v1Key = pick(['v1', 'v1', 'V1', ' v1'])
  if (!chance(0.08)) parts.push(`${tsKey}=${ws()}${tsText}${ws()}`)
  if (!chance(0.08)) parts.push(`${v1Key}=${ws()}${hash}${ws()}`)
  if (chance(0.15)) parts.push(`v2=${good}`)
  if (chance(0.1)) parts.push(`v10=${str('abcdef', 4, 8)}`)
  if (chance(0.1)) parts.push(`x=${str('abc', 1, 3)}`)
  if (chance(0.08)) parts.push('garbage')
  if (chance(0.06)) parts.push('=')
  if (chance(0.06)) parts.push('')
  if (chance(0.05)) parts.push(`ts=${tsSecs + 1}`) // a second ts: the last one wins
  if (chance(0.05)) parts.unshift(`v1=${'0'.repeat(64)}`) // an earlier v1: the last one wins
  if (chance(0.3)) {
    for (let i = parts.length - 1; i > 0; i--) {
      const j = int(i + 1)
      ;[parts[i], parts[j]] = [parts[j], parts[i]]
    }
  }
  let header = parts.join(pick([',', ',', ', ', ' ,']))
  if (chance(0.04)) header = pick([undefined, null, '', '   '])
  if (chance(0.03)) header = str('abc=,;1 ', 1, 30)
  const toleranceSecs = chance(0.4) ? pick([0, 1, 60, 299, 300, 301, 3600]) : undefined
  return { secret, header, requestId, dataId, now, toleranceSecs }
}

function sdkVerdict(c) {
  try {
    sdk.WebhookSignatureValidator.validate({
      xSignature: c.header,
      xRequestId: c.requestId,
      dataId: c.dataId,
      secret: c.secret,
      toleranceSeconds: c.toleranceSecs,
      now: () => c.now,
    })
    return 'OK'
  } catch (e) {
    if (!(e instanceof sdk.InvalidWebhookSignatureError)) throw e
    return REASONS[e.reason]
  }
}

function ourVerdict(c) {
  try {
    webhook.verify(
      c.secret,
      { xSignature: c.header, xRequestId: c.requestId, dataId: c.dataId },
      { toleranceMs: c.toleranceSecs === undefined ? undefined : c.toleranceSecs * 1000, nowMs: c.now },
    )
    return 'OK'
  } catch (e) {
    assert.equal(e.code, 'INVALID_SIGNATURE', e.message)
    return e.signatureFailure
  }
}

/** With a tolerance, a 13-digit ts is milliseconds here (seconds in the SDK): a known difference. */
function millisWithTolerance(c) {
  if (c.toleranceSecs === undefined || typeof c.header !== 'string') return false
  const m = /(?:^|,)\s*ts\s*=\s*(\d+)\s*(?:,|$)/i.exec(c.header.split(',').filter((p) => /^\s*ts\s*=/i.test(p)).pop() || '')
  return m !== null && m[1].length === 13
}

test('mercadopago SDK and mppoint agree on 5,000 generated cases', (t) => {
  assert.equal(typeof sdk.WebhookSignatureValidator.validate, 'function')
  const tally = {}
  let compared = 0
  let skipped = 0
  for (let seed = 1; seed <= 5000; seed++) {
    const c = gen(seed)
    if (millisWithTolerance(c)) {
      skipped++
      continue
    }
    const theirs = sdkVerdict(c)
    const ours = ourVerdict(c)
    assert.equal(ours, theirs, `seed ${seed}: ${JSON.stringify(c)}`)
    tally[ours] = (tally[ours] || 0) + 1
    compared++
  }
  assert.ok(compared >= 4000, `${compared} compared, ${skipped} skipped`)
  t.diagnostic(`${compared} compared, ${skipped} skipped (13-digit ts under a tolerance): ${JSON.stringify(tally)}`)
  // The generator reaches every verdict, many times.
  for (const v of ['OK', ...Object.values(REASONS)]) assert.ok((tally[v] || 0) >= 20, `${v}: ${tally[v] || 0} of ${JSON.stringify(tally)}`)
})

test('the one documented difference: a 13-digit ts under a tolerance', () => {
  const secret = 's'
  const nowMs = 1_704_908_010_683
  const sig = webhook.sign(secret, { dataId: 'id1', xRequestId: 'r', ts: nowMs })
  const c = { secret, header: sig, requestId: 'r', dataId: 'id1', now: nowMs, toleranceSecs: 300 }
  assert.equal(ourVerdict(c), 'OK')
  assert.equal(sdkVerdict(c), 'TIMESTAMP_OUT_OF_TOLERANCE')
  // Without a tolerance both accept it.
  assert.equal(ourVerdict({ ...c, toleranceSecs: undefined }), 'OK')
  assert.equal(sdkVerdict({ ...c, toleranceSecs: undefined }), 'OK')
})

test('the shared vectors: the SDK gives each its expected (or documented SDK) verdict', () => {
  const fs = require('node:fs')
  const path = require('node:path')
  const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'fixtures', 'signature_vectors.json'), 'utf8'))
  for (const v of vectors) {
    const c = {
      secret: v.secret,
      header: v.x_signature,
      requestId: v.x_request_id,
      dataId: v.data_id,
      now: v.now_unix_ms ?? Date.now(),
      toleranceSecs: v.tolerance_secs ?? undefined,
    }
    assert.equal(sdkVerdict(c), v.sdk_expect ?? v.expect, v.name)
    assert.equal(ourVerdict(c), v.expect, v.name)
  }
})
