// Owns the type-check of the installed package's typings (test.sh: tsc -p . in the fresh project).
import { Session, HTTPError, type Settings } from 'requests-component';
import { Session as SyncSession } from 'requests-component/sync';
import type { types as RawTypes } from 'requests-component/raw';

export async function use(url: string): Promise<number> {
  const s = new Session({ transport: 'node' });
  const settings: Settings = await s.settings();
  const r = await s.get(url, { timeout: { connectMs: 1000, readMs: 1000 } });
  try {
    r.raiseForStatus();
  } catch (e) {
    if (e instanceof HTTPError) return e.status;
  }
  for await (const chunk of r.iterContent(1024)) void chunk.byteLength;
  const blocking = new SyncSession();
  void blocking, settings;
  return r.status;
}
export type Raw = RawTypes.Response | undefined;
