// The types of the ES-module entry (index.mjs): the same declarations as the CommonJS entry's
// generated index.d.ts, re-exported.
import * as mppoint from './index.js'

export * from './index.js'
export default mppoint
