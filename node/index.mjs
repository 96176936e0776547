// The ES-module entry of mppoint (package.json `exports` → `import`): the very objects of the
// CommonJS entry (index.js), so a class is the same whichever way it was loaded (`instanceof`
// holds across both) and the addon loads once. Types: index.d.mts.
import mppoint from './index.js'

export const {
  MppointError,
  Client,
  Simulator,
  webhook,
  cents,
  amountCents,
  setLogger,
  errorCodes,
  version,
} = mppoint

export default mppoint
