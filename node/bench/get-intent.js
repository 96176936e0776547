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

async function measure(call, concurrency, seconds) {
  // Warm up: connections, JIT, pools.
  const warmEnd = Date.now() + 300
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

    console.log(`getIntent against the simulator on loopback, ${SECONDS} s per cell, node ${process.version}`)
    const results = {}
    for (const c of CONCURRENCY) {
      for (const [name, call] of candidates) {
        const rate = await measure(call, c, SECONDS)
        results[`${name}@${c}`] = rate
        console.log(`  concurrency ${String(c).padStart(2)}  ${name.padEnd(28)} ${rate.toFixed(0).padStart(7)} calls/s`)
      }
    }
    let met = true
    for (const c of CONCURRENCY) {
      const ours = results[`mppoint getIntent@${c}`]
      for (const [name] of candidates.slice(1)) {
        const ratio = ours / results[`${name}@${c}`]
        if (ratio < 1) met = false
        console.log(`  concurrency ${String(c).padStart(2)}  mppoint / ${name.padEnd(28)} ${ratio.toFixed(2)}x`)
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
