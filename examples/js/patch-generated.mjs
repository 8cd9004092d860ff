// Owns one change to what `jco transpile` (1.35.0) writes, run by `npm run build` after it:
// jco's `_debugLog`, called hundreds of times per request, reads `process.env.JCO_DEBUG` on
// every call (about 30 us of CPU per small request in a worker thread). Here the variable is
// read once, when the module loads; JCO_DEBUG works as before when set at start. A file that
// does not have the expected line is left as it is (another jco version).
//
//   node patch-generated.mjs generated generated-plain generated-sockets

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const CHECK = 'if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';
const DEFINITION = 'const _debugLog = (...args) => {';

for (const dir of process.argv.slice(2)) {
  const file = path.join(dir, 'requests.js');
  const text = readFileSync(file, 'utf8');
  if (!text.includes(CHECK) || !text.includes(DEFINITION)) continue;
  const patched = text
    .replace(DEFINITION, `const _jcoDebug = Boolean(globalThis?.process?.env?.JCO_DEBUG);\n${DEFINITION}`)
    .replace(CHECK, 'if (!_jcoDebug) { return; }');
  writeFileSync(file, patched);
}
