// Compiled with `tsc --noEmit --strict` by types.test.js: the generated index.d.ts describes the
// public API as a TypeScript user writes it.
import { Client, MppointError, Simulator, cents, amountCents, errorCodes, webhook } from '..'
import type { ErrorCode, Intent, Sale, WaitOptions, Notification, FaultRule, PrintAction, PrintPart, PrintStatus, Payment } from '..'

async function till(client: Client, signal: AbortSignal): Promise<string> {
  const options: WaitOptions = {
    timeoutMs: 180_000,
    pollIntervalMs: 500,
    onStatus: (i: Intent) => console.log(i.status, i.amountCents),
    signal,
  }
  try {
    const sale: Sale = await client.charge({ pos: 'SUC001POS001' }, { amount: cents(1247), description: 'd', externalReference: 'r' }, options)
    // A union on isPaid: no check of approvedPayment needed.
    if (sale.isPaid) return `${sale.approvedPayment.id} ${sale.amount}`
    return sale.verdict
  } catch (e) {
    if (e instanceof MppointError) {
      const code: ErrorCode = e.code
      const details: Array<string | number | undefined> = [e.status, e.requestId, e.retryAfter, e.idempotencyKey, e.intentId, e.lastStatus]
      return `${code} ${e.message} ${details.join(' ')}`
    }
    throw e
  }
}

function hook(secret: string, headers: Record<string, string | string[] | undefined>, url: string, body: Buffer): Notification {
  return webhook.verifyRequest(secret, { headers, url, body }, { toleranceMs: 300_000 })
}

const sim = new Simulator({ pickupDelayMs: 20 })
const fault: FaultRule = { endpoint: 'GetIntent', kind: { type: 'Status', status: 503 }, times: 1 }
sim.addFault(fault)
const client = new Client({ ...sim.clientOptions(), retries: 0 })
void till(client, AbortSignal.timeout(1000))
void hook('s', {}, '/', Buffer.from('{}'))
const n: number = amountCents('12.47') + amountCents(12.47)
const codes: string[] = errorCodes()
void n
void codes

// Issue 25: printing, the busy terminal, tips.
async function receipt(client: Client, customer: string, logo: Buffer): Promise<PrintStatus> {
  const parts: PrintPart[] = [{ centerWide: 'Loja Centro' }, `Customer: ${customer}`, { qr: 'https://example.com/r/1' }, { blank: true }]
  const a: PrintAction = await client.printText('PAX_A910__SMARTPOS0000000001', 'receipt-1', parts, { idempotencyKey: 'k' })
  await client.printText('PAX_A910__SMARTPOS0000000001', 'receipt-2', { tagged: '{b}x{/b}' })
  await client.printImage('PAX_A910__SMARTPOS0000000001', 'logo-1', logo)
  const again: PrintAction = await client.printAction(a.id)
  if (again.status === 'created') await client.cancelPrintAction(a.id)
  const final: boolean = again.isFinal
  void final
  return again.status
}

async function busy(client: Client): Promise<string | undefined> {
  try {
    const sale = await client.charge({ device: 'D' }, { amount: '1.00', description: 'd', externalReference: 'r' }, { whenBusyMs: 30_000, onBusy: (err: MppointError) => console.log(err.holdingSale) })
    const tip: string | undefined = sale.tip
    const paid: Payment | undefined = sale.approvedPayment
    return tip ?? paid?.tipAmount
  } catch (e) {
    if (e instanceof MppointError && e.code === 'ALREADY_QUEUED') return e.holdingSale
    throw e
  }
}
void receipt(client, '{b}Ana{/b}', Buffer.alloc(0))
void busy(client)
sim.finishPrint('id', 'failed')
sim.addTip('order', '1.00')
const hasTest: boolean = client.hasTestCredentials
void hasTest
sim.stop()
