'use strict'
// Calls per second of one GET of an intent against the simulator on loopback, in one run:
// through mppoint (`client.getIntent`), through Mercado Pago's official Node SDK (`mercadopago`:
// its RestClient, the HTTP layer every SDK call goes through, on the same path), and through
// plain `fetch` (undici) parsing the JSON. At concurrency 1 and 16.
//
//   npm run bench              (after `npm run build`; `npm install` brings the SDK)
//   BENCH_SECONDS=5 npm run bench
//
// The simulator runs in a child process so the three clients share nothing with it but the
// loopback interface. Target: mppoint at least equal to the others at both concurrencies.

const { spawn } = require('node:child_process')
const path = require('node:path')
const { Client } = require('..')

const SECONDS = Number(process.env.BENCH_SECONDS || 3)
const CONCURRENCY = [1, 16]

function startSimulator() {
  const code = `
    const { Simulator } = require(${JSON.stringify(path.join(__dirname, '..'))});
    const sim = new Simulator({ pickupDelayMs: 10, stepDelayMs: 10 });
    process.stdout.write(JSON.stringify({ baseUrl: sim.baseUrl, accessToken: sim.accessToken }) + '\\n');
    process.stdin.on('end', () => { sim.stop(); process.exit(0) });
    process.stdin.resume();
  `
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let buf = ''
    child.stdout.on('data', (d) => {
      buf += d
      const nl = buf.indexOf('\n')
      if (nl >= 0) resolve({ child, ...JSON.parse(buf.slice(0, nl)) })
    })
    child.on('exit', (c) => reject(new Error(`simulator exited with ${c}`)))
  })
}

async function measure(call, concurrency, seconds, warmMs = 50) {
  // Warm up: connections, JIT, pools.
  const warmEnd = Date.now() + warmMs
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < warmEnd) await call()
    }),
  )
  let calls = 0
  const start = process.hrtime.bigint()
  const end = Date.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await call()
        calls++
      }
    }),
  )
  const secs = Number(process.hrtime.bigint() - start) / 1e9
  return calls / secs
}

async function main() {
  const sim = await startSimulator()
  try {
    const client = new Client({ accessToken: sim.accessToken, baseUrl: sim.baseUrl, noProxy: true })
    // An intent held on the terminal (.44): its status stays ON_TERMINAL for the whole run.
    const intent = await client.createIntent(
      { pos: 'SUC001POS001' },
      { amount: '10.44', description: 'bench', externalReference: 'bench-1' },
    )
    const id = intent.id
    while ((await client.getIntent(id)).status !== 'ON_TERMINAL') await new Promise((r) => setTimeout(r, 10))
    const apiPath = `/instore-api/integrations/v1/intents/${encodeURIComponent(id)}/point`
    const headers = { Authorization: `Bearer ${sim.accessToken}` }

    const candidates = [['mppoint getIntent', async () => (await client.getIntent(id)).status]]

    let sdk = null
    try {
      const { AppConfig } = require('mercadopago/dist/utils/config')
      const { RestClient } = require('mercadopago/dist/utils/restClient')
      AppConfig.BASE_URL = sim.baseUrl
      sdk = RestClient
    } catch (e) {
      console.log(`(mercadopago SDK not installed: ${e.message}; run npm install)`)
    }
    if (sdk) {
      candidates.push([
        'mercadopago SDK RestClient',
        async () => (await sdk.fetch(apiPath, { method: 'GET', headers, retries: 0 })).status,
      ])
    }
    candidates.push([
      'plain fetch + json',
      async () => {
        const r = await fetch(sim.baseUrl + apiPath, { headers })
        if (!r.ok) throw new Error(`HTTP ${r.status}`)
        return (await r.json()).status
      },
    ])

    for (const [, call] of candidates) {
      const s = await call()
      if (s !== 'ON_TERMINAL') throw new Error(`unexpected status ${s}`)
    }

    // Interleaved rounds: in each, every contender runs for ROUND_MS, the order rotating from round
    // to round, so a load that comes and goes falls on all of them alike; a ratio is taken per
    // round and the median printed with its spread (10th and 90th percentiles).
    const ROUND_MS = 250
    const rounds = Math.max(9, Math.round((SECONDS * 1000) / ROUND_MS))
    console.log(
      `getIntent against the simulator on loopback, ${rounds} interleaved rounds of ${ROUND_MS} ms per contender, node ${process.version}`,
    )
    const pct = (sorted, p) => sorted[Math.round((sorted.length - 1) * p)]
    let met = true
    for (const c of CONCURRENCY) {
      const rates = candidates.map(() => [])
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < candidates.length; k++) {
          const i = (k + r) % candidates.length
          rates[i].push(await measure(candidates[i][1], c, ROUND_MS / 1000))
        }
      }
      candidates.forEach(([name], i) => {
        const med = pct([...rates[i]].sort((a, b) => a - b), 0.5)
        console.log(`  concurrency ${String(c).padStart(2)}  ${name.padEnd(28)} ${med.toFixed(0).padStart(7)} calls/s (median round)`)
      })
      for (let i = 1; i < candidates.length; i++) {
        const ratios = rates[0].map((ours, r) => ours / rates[i][r]).sort((a, b) => a - b)
        const med = pct(ratios, 0.5)
        if (med < 1) met = false
        console.log(
          `  concurrency ${String(c).padStart(2)}  mppoint / ${candidates[i][0].padEnd(28)} ${med.toFixed(2)}x (p10 ${pct(ratios, 0.1).toFixed(2)}, p90 ${pct(ratios, 0.9).toFixed(2)})`,
        )
      }
    }
    console.log(`target (mppoint at least equal at 1 and 16): ${met ? 'met' : 'NOT met'}`)
  } finally {
    sim.child.stdin.end()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
