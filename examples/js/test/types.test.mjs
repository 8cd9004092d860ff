// Owns the type-check of the hand-written requests.d.ts: test/usage.ts, which uses
// the API the way example.mjs does, must compile (tsc, strict) against it and
// against the d.ts files jco generated into generated/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

test('requests.d.ts type-checks a strict TypeScript user', () => {
  const require = createRequire(import.meta.url);
  const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  const project = fileURLToPath(new URL('./tsconfig.json', import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});
