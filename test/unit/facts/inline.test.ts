// Facts run in the gathering shell itself (`inline`) save a fork each, as long as none of them can
// end that shell or move it: every inline probe the tool has is run here for real in sh, before a
// sentinel probe that must still answer, from the same directory. The probes rewritten for it
// (a glob without cd, sysctl values read from /proc/sys) answer as before.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { factScript, parseFactOutput } from '../../../src/facts/gather.ts';
import { globFact, pathFact } from '../../../src/facts/file.ts';
import { containerFact, groupFact, machineFact, userFact } from '../../../src/facts/system.ts';
import { interfaceFact } from '../../../src/facts/network.ts';
import { releaseFact } from '../../../src/facts/release.ts';
import { fileFact, manifestFact, vipMetricFact } from '../../../src/ownership/facts.ts';
import { FILE_ROLES } from '../../../src/ownership/manifest.ts';
import { VIP_ARP_APPLIED } from '../../../src/render/vip-arp.ts';
import type { FactSpec } from '../../../src/facts/types.ts';
import { inventory, vipSpec, host } from '../render/fixtures.ts';

const sentinel: FactSpec<string> = { key: 'sentinel', script: 'pwd', parse: (out) => out.trim() };

function inlineSpecs(dir: string): FactSpec<unknown>[] {
  const inv = inventory({ hosts: [host('lb1', '10.0.0.11')], vip: vipSpec('10.0.0.100') });
  return [
    machineFact,
    userFact('ekp-nobody-here'),
    groupFact('ekp-nobody-here'),
    containerFact,
    globFact(dir, '.a.ekp-tmp'),
    globFact(join(dir, 'missing'), 'eds_', '.yaml'),
    pathFact(join(dir, 'a b'), { content: true }),
    interfaceFact('127.0.0.1'),
    releaseFact(join(dir, 'envoy')),
    releaseFact(join(dir, 'missing', 'envoy')),
    manifestFact,
    vipMetricFact(inv),
    ...FILE_ROLES.map((r) => fileFact(r)),
  ];
}

describe('inline facts', () => {
  it('none can end or move the gathering shell: each is followed by a probe that answers from the same directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekp-inline-'));
    writeFileSync(join(dir, 'a b'), 'x\n');
    writeFileSync(join(dir, 'envoy'), 'bin\n');
    const specs = inlineSpecs(dir);
    for (const spec of specs) {
      expect(spec.inline, spec.key).toBe(true);
      // words that end or move a shell (the sentinel below checks what a word list cannot)
      expect(spec.script, spec.key).not.toMatch(/\bexit\b|(^|[;&|(]\s*)cd\s|\btrap\b|\bset -[a-z]|(^|;\s*)\.\s/);
      const out = execFileSync('sh', ['-c', factScript([spec, sentinel])], { encoding: 'utf8', cwd: dir });
      const values = parseFactOutput([spec, sentinel], out);
      expect(values.has(spec.key), spec.key).toBe(true);
      expect(values.get('sentinel'), spec.key).toBe(dir);
    }
    // all of them in one script, as a deploy sends them
    const out = execFileSync('sh', ['-c', factScript([...specs, sentinel])], { encoding: 'utf8', cwd: dir });
    expect(parseFactOutput([...specs, sentinel], out).get('sentinel')).toBe(dir);
  });

  it('an inline probe is framed by braces, any other by a subshell; its status is its last command', () => {
    const probe = (inline: boolean): FactSpec<number> => ({
      key: `p${inline}`,
      script: 'x=1; false',
      parse: (_o, code) => code,
      inline,
    });
    const script = factScript([probe(true), probe(false), sentinel]);
    expect(script).toContain('{ x=1; false\n}');
    expect(script).toContain('( x=1; false\n )');
    const values = parseFactOutput(
      [probe(true), probe(false), sentinel],
      execFileSync('sh', ['-c', script]).toString(),
    );
    expect([values.get('ptrue'), values.get('pfalse')]).toEqual([1, 1]);
  });

  it('the temp-file glob lists names in the directory without entering it; none, or no directory, is empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekp-glob-'));
    for (const f of ['.a.ekp-tmp1', '.a.ekp-tmp22', 'a', 'eds_x.yaml', 'eds_y.yml']) writeFileSync(join(dir, f), '');
    mkdirSync(join(dir, 'sub dir'));
    writeFileSync(join(dir, 'sub dir', 'eds_z.yaml'), '');
    const read = (f: FactSpec<string[]>) => {
      const out = execFileSync('sh', ['-c', factScript([f])], { encoding: 'utf8' });
      return parseFactOutput([f], out).get(f.key);
    };
    expect(read(globFact(dir, '.a.ekp-tmp'))).toEqual(['.a.ekp-tmp1', '.a.ekp-tmp22']);
    expect(read(globFact(dir, 'eds_', '.yaml'))).toEqual(['eds_x.yaml']);
    expect(read(globFact(join(dir, 'sub dir'), 'eds_', '.yaml'))).toEqual(['eds_z.yaml']);
    expect(read(globFact(join(dir, 'nothing'), 'eds_', '.yaml'))).toEqual([]);
    expect(read(globFact(dir, '.b'))).toEqual([]);
  });

  it("the VIP's ARP values are read from /proc/sys, as sysctl -n reads them, without a process", () => {
    expect(VIP_ARP_APPLIED).not.toContain('sysctl');
    const root = mkdtempSync(join(tmpdir(), 'ekp-procsys-'));
    const conf = join(root, 'net/ipv4/conf/all');
    mkdirSync(conf, { recursive: true });
    // no newline: a sysctl file read a byte at a time (dash's read) ends after the value
    const check = (ignore: string, announce: string) => {
      writeFileSync(join(conf, 'arp_ignore'), ignore);
      writeFileSync(join(conf, 'arp_announce'), announce);
      return spawnSync('sh', ['-c', VIP_ARP_APPLIED.replaceAll('/proc/sys/', `${root}/`)]).status;
    };
    expect(check('1', '2')).toBe(0);
    expect(check('0', '2')).not.toBe(0);
    expect(check('1', '0')).not.toBe(0);
    expect(check('1\n', '2\n')).toBe(0);
    expect(spawnSync('sh', ['-c', VIP_ARP_APPLIED.replaceAll('/proc/sys/', `${root}/missing/`)]).status).not.toBe(0);
  });
  it('the machine is read from kernel.arch without a process, from uname -m where the file is missing', () => {
    const root = mkdtempSync(join(tmpdir(), 'ekp-arch-'));
    mkdirSync(join(root, 'kernel'));
    writeFileSync(join(root, 'kernel', 'arch'), 'aarch64'); // no newline: as dash reads a sysctl file
    const run = (dir: string) =>
      execFileSync('sh', ['-c', machineFact.script.replaceAll('/proc/sys/', `${dir}/`)], { encoding: 'utf8' });
    expect(machineFact.script).toMatch(/^a=; read -r a < \/proc\/sys\/kernel\/arch;/);
    expect(run(root)).toBe('aarch64\n');
    expect(run(join(root, 'missing'))).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }));
  });
});
