// The installed binary's recorded checksum, through the real fact and verify scripts (a local sh
// transport, as root): a converged host is not hashed again, and a binary changed behind the
// tool's back (same size, mtime put back) is still detected and installed again.
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, open, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FactCache } from '../../../src/facts/gather.ts';
import { identityRecordPath, parseReleaseFact, releaseFact } from '../../../src/facts/release.ts';
import { release } from '../../../src/modules/release.ts';
import { runTask } from '../../../src/runner/run.ts';
import { task, type TaskContext } from '../../../src/runner/types.ts';
import type { HostSpec, Inventory } from '../../../src/inventory/types.ts';
import { localTransport } from '../runner/local-transport.ts';

const root = process.getuid?.() === 0;
const SCRIPT = '#!/bin/sh\necho "envoy  version: 0123abc/1.35.0/Clean/RELEASE/BoringSSL"\n';
const SUM = createHash('sha256').update(SCRIPT).digest('hex');
let dir: string;
let upload: string;
let bin: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ekp-release-id-'));
  upload = join(dir, 'envoy-upload');
  bin = join(dir, 'opt/releases/1.35.0/envoy');
  await writeFile(upload, SCRIPT);
  await chmod(upload, 0o755);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function deploy() {
  const module = release({
    installDir: join(dir, 'opt'),
    version: '1.35.0',
    expected: () => SUM,
    source: { mode: 'control', local: async () => upload },
  });
  const t = localTransport();
  const facts = new FactCache('local');
  await facts.gather(t, module.facts({ diff: false }));
  const host = { name: 'local', ssh: { user: 'root', become: false } } as HostSpec;
  const ctx: TaskContext = { inv: {} as Inventory, host, facts, check: false, diff: false, changed: new Set() };
  return (await runTask('envoy_binary', task('binary', module), ctx, t, {})).result;
}

async function fact() {
  const facts = new FactCache('local');
  const spec = releaseFact(bin);
  await facts.gather(localTransport(), [spec]);
  return facts.get(spec);
}

describe.skipIf(!root)('the recorded checksum of the installed binary (as root, locally)', () => {
  it('is written by the install; the next run reads it instead of hashing, and reports ok', async () => {
    expect((await deploy()).status).toBe('changed');
    expect(await fact()).toMatchObject({ type: 'file', sha256: SUM, remembered: true });
    expect((await deploy()).status).toBe('ok');
  });

  it('a binary rewritten in place, same size and mtime put back, is hashed again and replaced', async () => {
    await deploy();
    const before = await stat(bin);
    const f = await open(bin, 'r+');
    await f.write('X', 0); // same size: '#' → 'X'
    await f.close();
    await utimes(bin, before.atime, before.mtime);
    const tampered = await fact();
    expect(tampered).toMatchObject({ type: 'file', remembered: false });
    expect(tampered.type === 'file' && tampered.sha256).not.toBe(SUM);
    const r = await deploy();
    expect(r.status).toBe('changed');
    expect(r.message).toContain('over a binary with another checksum');
    expect(await readFile(bin, 'utf8')).toBe(SCRIPT);
    expect((await deploy()).status).toBe('ok');
  });

  it('a forged record for another identity is not believed', async () => {
    await deploy();
    await writeFile(identityRecordPath(bin), `${SUM} 1 2 3 forged\n`);
    expect(await fact()).toMatchObject({ type: 'file', sha256: SUM, remembered: false });
    // the binary is the pinned one: one step records its checksum, then the runs are ok again
    const r = await deploy();
    expect(r.status).toBe('changed');
    expect(r.message).toBe('1.35.0 (x86_64) installed; checksum recorded');
    expect((await deploy()).status).toBe('ok');
  });
});

describe('parseReleaseFact', () => {
  const id = '2049 12 81343 2026-11-26 04:28:00.1 +0000 2026-11-26 04:28:00.2 +0000';
  it.each([
    ['absent\n', 0, { type: 'absent' }],
    ['\ndirectory\n', 0, { type: 'directory' }],
    ['link\n', 0, { type: 'link' }],
    [`file\n${id}\nremembered ${SUM}\n`, 0, { type: 'file', sha256: SUM, identity: id, remembered: true }],
    [`file\n${id}\nhashed ${SUM}  -\n`, 0, { type: 'file', sha256: SUM, identity: id, remembered: false }],
    // unreadable: a checksum that matches nothing, so the binary is installed again
    [`file\n${id}\nhashed `, 1, { type: 'file', sha256: '', identity: id, remembered: false }],
  ])('%j (exit %i)', (out, code, want) => {
    expect(parseReleaseFact(out, code)).toEqual(want);
  });
});
