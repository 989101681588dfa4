// Shell completion: generated from every command description, and checked by the shells
// themselves: bash runs its completion function on a command line, zsh completes in a terminal.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completionScript } from '../../../src/cli/completion.ts';
import { commands } from '../../../src/commands/registry.ts';

const has = (shell: string) => spawnSync(shell, ['-c', 'true']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'ekp-completion-'));
mkdirSync(join(dir, 'hosts'));
for (const n of ['prod', 'staging']) writeFileSync(join(dir, 'hosts', `${n}.yaml`), '');
mkdirSync(join(dir, 'out'));
const longFlags = (c: (typeof commands)[number]) => c.options.flatMap((o) => o.flags.match(/--[\w-]+/g) ?? []);

describe('bash', () => {
  const script = join(dir, 'ekp.bash');
  writeFileSync(script, completionScript('bash', commands));
  /** What bash's completion function offers for `words` (the last one is being completed). */
  const complete = (...words: string[]) =>
    execFileSync(
      'bash',
      [
        '-c',
        `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _envoy_k8s_proxy; printf '%s\\n' "\${COMPREPLY[@]}"`,
        'complete',
        script,
        'envoy-k8s-proxy',
        ...words,
      ],
      { cwd: dir, encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean)
      .sort();

  it('parses', () => expect(spawnSync('bash', ['-n', script]).status).toBe(0));

  it('completes every command name, then each command its own options', () => {
    expect(complete('')).toEqual([...commands.map((c) => c.name), '--help', '--version'].sort());
    expect(complete('pl')).toEqual(['plan']);
    expect(complete('plan', '--det')).toEqual(['--detailed-exitcode']);
    expect(complete('deploy', '--det')).toEqual([]); // plan only
    for (const c of commands) expect(complete(c.name, '--'), c.name).toEqual(expect.arrayContaining(longFlags(c)));
  });

  it('completes inventory names from hosts/, directories for --out, the shells for completion', () => {
    expect(complete('status', '--hosts', '')).toEqual(expect.arrayContaining(['prod', 'staging', 'hosts/']));
    expect(complete('status', '-H', 'st')).toEqual(['staging']);
    expect(complete('render', '-H', 'prod', '-o', 'o')).toEqual(['out']);
    expect(complete('completion', 'z')).toEqual(['zsh']);
  });

  it('knows that -f takes a value in most commands but is logs --follow', () => {
    expect(complete('status', '-f', '')).toEqual([]); // --forks <n>
    expect(complete('logs', '-f', '--j')).toEqual(['--json']);
  });
});

describe.skipIf(!has('zsh'))('zsh', () => {
  const script = join(dir, '_envoy-k8s-proxy');
  writeFileSync(script, completionScript('zsh', commands));
  const driver = join(import.meta.dirname, '../../support/zsh-complete.zsh');
  /** What zle shows after a Tab on `line` (the completed line, or the list of matches). */
  const drive = (line: string) =>
    execFileSync('zsh', [driver, script, line], { cwd: dir, encoding: 'utf8', timeout: 20_000 }).replace(/\r/g, '');
  /**
   * The pty harness depends on zle's redraw timing, and under load it once read the screen before
   * the completion was drawn (CI): an answer without what the test wants is driven again, 3 times
   * at most, so a wrong completion still fails.
   */
  const complete = (line: string, want: string | RegExp) => {
    const has = (out: string) => (typeof want === 'string' ? out.includes(want) : want.test(out));
    let out = drive(line);
    for (let i = 1; i < 3 && !has(out); i++) out = drive(line);
    return out;
  };

  it('parses', () => expect(spawnSync('zsh', ['-n', script]).status).toBe(0));

  it('completes a command name, an option, an inventory name and a shell', () => {
    expect(complete('envoy-k8s-proxy pl', 'envoy-k8s-proxy plan ')).toContain('envoy-k8s-proxy plan ');
    expect(complete('envoy-k8s-proxy plan --det', 'plan --detailed-exitcode ')).toContain('plan --detailed-exitcode ');
    expect(complete('envoy-k8s-proxy status --hosts st', '--hosts staging ')).toContain('--hosts staging ');
    expect(complete('envoy-k8s-proxy completion ', /bash\s+zsh/)).toMatch(/bash\s+zsh/);
  });

  it('lists each option with its description', () => {
    const listed = complete('envoy-k8s-proxy logs -', /--follow\s+-f\s+-- /);
    expect(listed).toMatch(/--follow\s+-f\s+-- /);
    expect(listed).toContain('--lines');
  });
});
