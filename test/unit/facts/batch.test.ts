// Batched facts read the same as each probe on its own: the path batch runs for real in sh over a
// temp tree (file, empty file, directory, link, fifo, absent); the unit batch splits systemctl's blocks.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plainPath, splitBatch } from '../../../src/facts/batch.ts';
import { factScript, parseFactOutput } from '../../../src/facts/gather.ts';
import { pathFact } from '../../../src/facts/file.ts';
import { parseUnitShow, unitFact } from '../../../src/facts/system.ts';
import { dirFact } from '../../../src/ownership/facts.ts';
import type { FactSpec } from '../../../src/facts/types.ts';

const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });
const gather = (specs: FactSpec<unknown>[]) => parseFactOutput(specs, sh(factScript(specs)));

function tree(): string {
  const d = mkdtempSync(join(tmpdir(), 'ekp-batch-'));
  writeFileSync(join(d, 'a.yaml'), 'a: 1\n');
  writeFileSync(join(d, 'empty'), '');
  mkdirSync(join(d, 'dir'));
  symlinkSync('releases/1.35.0', join(d, 'current'));
  execFileSync('mkfifo', [join(d, 'fifo')]);
  return d;
}

describe('the path batch', () => {
  it('reads every kind of path as its own probe does, in one stat and one sha256sum', () => {
    const d = tree();
    const paths = ['a.yaml', 'empty', 'dir', 'current', 'fifo', 'absent'].map((n) => join(d, n));
    const batched = paths.map((p) => pathFact(p));
    expect(batched.every((s) => s.batch?.kind === 'path')).toBe(true);
    const script = factScript(batched);
    expect(script.match(/sha256sum/g)).toHaveLength(1);
    expect(script.match(/\bstat /g)).toHaveLength(1);
    const alone = batched.map((s) => ({ ...s, batch: undefined }));
    const want = gather(alone);
    const got = gather(batched);
    expect([...got.entries()]).toEqual([...want.entries()]);
    expect(got.get(`path:${d}/a.yaml`)).toMatchObject({ type: 'file', size: 5 });
    expect(got.get(`path:${d}/current`)).toEqual({ type: 'link', target: 'releases/1.35.0' });
    expect(got.get(`path:${d}/fifo`)).toEqual({ type: 'other', kind: 'fifo' });
    expect(got.get(`path:${d}/absent`)).toEqual({ type: 'absent' });
  });

  it('leaves a diff probe (text wanted) and a path stat could not name plainly to their own scripts', () => {
    expect(pathFact('/etc/x.yaml', { content: true }).batch).toBeUndefined();
    expect(plainPath('/etc/a b')).toBe(false);
    expect(plainPath('/etc/a|b')).toBe(false);
    expect(pathFact('/etc/a\nb').batch).toBeUndefined();
    expect(plainPath('/etc/envoy-k8s-proxy/eds_k8s_cluster1.yaml')).toBe(true);
  });
});

describe('the unit batch', () => {
  it('gives each unit its own block, in argument order', () => {
    const out =
      'MainPID=297\nLoadState=loaded\nActiveState=active\n\nMainPID=0\nLoadState=not-found\nActiveState=inactive\n';
    const [a, b] = splitBatch('unit', ['envoy-k8s-proxy.service', 'nosuch.service'], out);
    expect(parseUnitShow(a!)).toMatchObject({ loadState: 'loaded', activeState: 'active', mainPid: 297 });
    expect(parseUnitShow(b!)).toMatchObject({ loadState: 'not-found', activeState: 'inactive', mainPid: 0 });
    expect(parseUnitShow('ExecMainStartTimestamp=@1764142282\nActiveEnterTimestamp=\n')).toMatchObject({
      execMainStartTimestamp: 'Wed 2025-11-26 07:31:22 UTC',
      execMainStartAt: 1764142282,
      activeEnterTimestamp: '',
    });
    const specs = [unitFact('envoy-k8s-proxy.service'), unitFact('keepalived.service')];
    expect(factScript(specs).match(/systemctl/g)).toHaveLength(1);
  });
});

describe('dirFact without ls or readlink', () => {
  it('lists names, dotfiles too, resolves the real path through a link; batched, one stat for all', () => {
    const d = tree();
    writeFileSync(join(d, 'dir', '.hidden'), '');
    writeFileSync(join(d, 'dir', 'b.yaml'), '');
    symlinkSync(join(d, 'dir'), join(d, 'via'));
    const specs = [
      dirFact(join(d, 'dir')),
      dirFact(join(d, 'via')),
      dirFact(join(d, 'none')),
      dirFact(join(d, 'empty')),
    ];
    expect(factScript(specs).match(/\bstat /g)).toHaveLength(1);
    const got = gather(specs);
    expect([...got.entries()]).toEqual([...gather(specs.map((s) => ({ ...s, batch: undefined }))).entries()]);
    const listed = got.get(`ownership:dir:${d}/dir`) as { entries: string[] };
    expect(listed).toMatchObject({ real: join(d, 'dir'), type: 'directory', owner: expect.any(String) });
    expect(listed.entries.sort()).toEqual(['.hidden', 'b.yaml']);
    expect(got.get(`ownership:dir:${d}/via`)).toEqual({ real: join(d, 'dir'), type: 'link' });
    expect(got.get(`ownership:dir:${d}/none`)).toEqual({ real: join(d, 'none'), type: 'absent' });
    expect(got.get(`ownership:dir:${d}/empty`)).toEqual({ real: join(d, 'empty'), type: 'other' });
  });
});
