// Modules against real files in a temp dir through a local sh transport: create → ok on the second
// run, check mode changes nothing, fileSet is all-or-nothing.
import { mkdtemp, readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FactCache } from '../../../src/facts/gather.ts';
import { factFile, file } from '../../../src/modules/file.ts';
import { testFact } from '../../../src/facts/system.ts';
import { directory } from '../../../src/modules/directory.ts';
import { fileSet } from '../../../src/modules/file-set.ts';
import { command } from '../../../src/modules/command.ts';
import { runTask } from '../../../src/runner/run.ts';
import { task, type Handler, type Module, type TaskContext } from '../../../src/runner/types.ts';
import type { Inventory } from '../../../src/inventory/types.ts';
import { localTransport } from '../runner/local-transport.ts';

const root = process.getuid?.() === 0;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ekp-mod-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  // Regression: a cleanup with nothing to remove once expanded to `rm -f -- /dev/null`.
  expect((await stat('/dev/null')).isCharacterDevice()).toBe(true);
});

async function apply(module: Module, o: { check?: boolean; diff?: boolean } = {}) {
  const t = localTransport();
  const facts = new FactCache('local');
  await facts.gather(t, module.facts({ diff: !!o.diff }));
  const ctx: TaskContext = {
    inv: {} as Inventory,
    host: { name: 'local' } as TaskContext['host'],
    facts,
    check: !!o.check,
    diff: !!o.diff,
    changed: new Set(),
  };
  return (await runTask('test', task('t', module), ctx, t, {})).result;
}

const owner = root ? 'root' : (process.env.USER ?? 'root');

describe.skipIf(!root)('factFile', () => {
  it("gathers its input facts with the file's own and writes the content they decide", async () => {
    const path = join(dir, 'unit');
    const marker = join(dir, 'is-container');
    const inContainer = testFact(`test -e '${marker}'`);
    const m = () =>
      factFile({ path, mode: 0o644 }, [inContainer], (f) => (f.get(inContainer) ? 'reduced\n' : 'full\n'));
    expect((await apply(m())).status).toBe('changed');
    expect(await readFile(path, 'utf8')).toBe('full\n');
    expect((await apply(m())).status).toBe('ok');
    await writeFile(marker, '');
    expect((await apply(m())).status).toBe('changed');
    expect(await readFile(path, 'utf8')).toBe('reduced\n');
  });
});

describe.skipIf(!root)('file', () => {
  it('creates, then reports ok; a content change is changed with a diff', async () => {
    const path = join(dir, 'a.conf');
    const m = (content: string) => file({ path, content, mode: 0o640, owner, group: owner });
    expect((await apply(m('one\n'))).status).toBe('changed');
    expect(await readFile(path, 'utf8')).toBe('one\n');
    expect(((await stat(path)).mode & 0o777).toString(8)).toBe('640');
    expect((await apply(m('one\n'))).status).toBe('ok');
    const r = await apply(m('two\n'), { diff: true });
    expect(r.status).toBe('changed');
    expect(r.diff?.[0]).toMatchObject({ before: 'one\n', after: 'two\n' });
  });

  it('check mode changes nothing', async () => {
    const path = join(dir, 'b.conf');
    const r = await apply(file({ path, content: 'x', mode: 0o644 }), { check: true, diff: true });
    expect(r.status).toBe('changed');
    expect(r.message).toMatch(/^would/);
    await expect(stat(path)).rejects.toThrow();
  });

  it('cleans up temp files left by an interrupted run', async () => {
    const path = join(dir, 'd.conf');
    await writeFile(path, 'same');
    await writeFile(join(dir, '.d.conf.ekp-tmpAbC123'), 'partial');
    const r = await apply(file({ path, content: 'same', mode: 0o644, owner, group: owner }));
    expect(r.status).toBe('changed');
    expect(await readdir(dir)).toEqual(['d.conf']);
  });

  it('hostile file names stay quoted', async () => {
    const path = join(dir, "we'ird $(touch pwned) ;name");
    expect((await apply(file({ path, content: 'ok', mode: 0o600 }))).status).toBe('changed');
    expect(await readFile(path, 'utf8')).toBe('ok');
    expect((await readdir(dir)).includes('pwned')).toBe(false);
  });
});

describe.skipIf(!root)('directory, command', () => {
  it('directory is created once, then its mode is corrected', async () => {
    const p = join(dir, 'sub');
    expect((await apply(directory({ path: p, mode: 0o750, owner, group: owner }))).status).toBe('changed');
    expect((await apply(directory({ path: p, mode: 0o750, owner, group: owner }))).status).toBe('ok');
    expect((await apply(directory({ path: p, mode: 0o700, owner, group: owner }))).message).toBe(
      `mode/owner → 700 ${owner}:${owner}`,
    );
    expect(((await stat(p)).mode & 0o777).toString(8)).toBe('700');
  });

  it('command honours creates', async () => {
    const marker = join(dir, 'done');
    const m = command({ command: ['touch', marker], action: 'touch', creates: marker });
    expect((await apply(m)).status).toBe('changed');
    expect((await apply(m)).status).toBe('ok');
  });
});

describe.skipIf(!root)('fileSet', () => {
  const restart: Handler = { name: 'restart', run: async () => new Map() };
  const files = (v: string) => [
    { name: 'eds_a.yaml', content: `a ${v}\n` },
    { name: 'cds.yaml', content: `cds ${v}\n` },
    { name: 'envoy.yaml', content: `boot\n` },
  ];
  const set = (v: string, validate = 'true', extra: { name: string; content: string }[] = []) =>
    fileSet({
      dir,
      files: [...files(v), ...extra],
      owner,
      group: owner,
      mode: 0o640,
      prune: { prefix: 'eds_', suffix: '.yaml' },
      validate: { stageDir: join(dir, '.ekp-stage'), files: files(v), command: (b) => `${validate} && test -f ${b}` },
      notify: { 'envoy.yaml': restart },
    });

  it('writes all, then is ok; only the bootstrap notifies', async () => {
    const first = await apply(set('1'));
    expect(first.status).toBe('changed');
    expect(first.notified).toEqual(['restart']);
    expect((await apply(set('1'))).status).toBe('ok');
    const second = await apply(set('2'));
    expect(second.status).toBe('changed');
    expect(second.notified).toBeUndefined();
    expect(await readFile(join(dir, 'cds.yaml'), 'utf8')).toBe('cds 2\n');
    expect((await readdir(dir)).sort()).toEqual(['cds.yaml', 'eds_a.yaml', 'envoy.yaml']);
  });

  it('a rejected tree changes no file', async () => {
    await apply(set('1'));
    const r = await apply(set('2', 'echo "bad config: line 3" >&2; false'));
    expect(r.status).toBe('failed');
    expect(r.error).toContain('bad config: line 3');
    expect(await readFile(join(dir, 'cds.yaml'), 'utf8')).toBe('cds 1\n');
    expect((await readdir(dir)).sort()).toEqual(['cds.yaml', 'eds_a.yaml', 'envoy.yaml']);
  });

  it('prunes eds files of removed clusters', async () => {
    await apply(set('1', 'true', [{ name: 'eds_b.yaml', content: 'b\n' }]));
    expect((await readdir(dir)).includes('eds_b.yaml')).toBe(true);
    const r = await apply(set('1'));
    expect(r.status).toBe('changed');
    expect(r.message).toContain('removed eds_b.yaml');
    expect((await readdir(dir)).includes('eds_b.yaml')).toBe(false);
  });

  it('removes a validation tree left by an interrupted run, even when nothing else changes', async () => {
    await apply(set('1'));
    await mkdir(join(dir, '.ekp-stage'));
    await writeFile(join(dir, '.ekp-stage', 'envoy.yaml'), 'half');
    const r = await apply(set('1'));
    expect(r.status).toBe('changed');
    expect(r.message).toBe('removed leftovers of an interrupted run');
    expect((await readdir(dir)).sort()).toEqual(['cds.yaml', 'eds_a.yaml', 'envoy.yaml']);
    expect((await apply(set('1'))).status).toBe('ok');
  });
});
