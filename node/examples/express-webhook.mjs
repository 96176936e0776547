// Receive Mercado Pago's Point notifications in Express: verify, answer at once, drop repeats,
// then look the sale up. Run: MP_WEBHOOK_SECRET=... MP_ACCESS_TOKEN=... node express-webhook.mjs
import { pathToFileURL } from 'node:url'
import express from 'express'
import { Client, webhook } from 'mppoint'

export function createApp({ secret, client, onSale }) {
  const app = express()
  const handled = new Set() // in production: a table with a unique key

  // The raw body: the signature check needs the bytes as sent.
  app.post('/webhooks/mercadopago', express.raw({ type: '*/*' }), (req, res) => {
    let n
    try {
      n = webhook.verifyRequest(
        secret,
        { headers: req.headers, url: req.originalUrl, body: req.body },
        { toleranceMs: 5 * 60 * 1000 },
      )
    } catch (e) {
      // INVALID_SIGNATURE (forged, replayed, wrong secret) or DECODE (not a notification).
      return res.sendStatus(e.code === 'INVALID_SIGNATURE' ? 401 : 400)
    }
    res.sendStatus(200) // within 22 s, or Mercado Pago sends it again
    if (handled.has(n.dedupKey)) return // a redelivery
    handled.add(n.dedupKey)
    // The notification says which intent ended; the verdict comes from the API alone.
    client
      .saleFor(n.intentId)
      .then(onSale)
      .catch((e) => console.error(`intent ${n.intentId}: ${e.code} ${e.message}`))
  })
  return app
}

// Run as a program, not imported (by a test).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { MP_ACCESS_TOKEN, MP_WEBHOOK_SECRET } = process.env
  if (!MP_ACCESS_TOKEN || !MP_WEBHOOK_SECRET) throw new Error('set MP_ACCESS_TOKEN and MP_WEBHOOK_SECRET')
  const client = new Client({ accessToken: MP_ACCESS_TOKEN })
  const app = createApp({
    secret: MP_WEBHOOK_SECRET,
    client,
    onSale: (sale) => console.log(`${sale.intent.externalReference}: ${sale.verdict} (${sale.advice})`),
  })
  app.listen(Number(process.env.PORT || 3000))
}
