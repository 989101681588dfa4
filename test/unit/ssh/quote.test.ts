import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCommand } from '../../../src/ssh/command.ts';
import { quote, quoteArgv } from '../../../src/ssh/quote.ts';

const HOSTILE = [
  '',
  ' ',
  'plain',
  "it's",
  "''",
  "'\\''",
  '"double" quotes',
  'line1\nline2\n',
  '$(touch /tmp/pwned-quote-test)',
  '`id`',
  '${HOME}',
  '$HOME',
  '*',
  '/etc/*.conf',
  '?',
  '[a-z]',
  '{a,b}',
  '~',
  '~root',
  '=cmd',
  '-rf',
  '--',
  '-n',
  'a;b && c || d | e > f < g & h',
  'tab\there',
  '\\backslash\\',
  '!history',
  '#comment',
  'ünïcødé ✓',
  '\r\x1b[31mred',
];

// Each shell splits the quoted line back; printf %s\0 shows exactly what the program received.
function roundTrip(shell: string, argv: string[]): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${quoteArgv(argv)}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('quote', () => {
  it.each(HOSTILE)('round-trips %j through sh', (arg) => {
    expect(roundTrip('sh', [arg])).toEqual([arg]);
  });

  for (const shell of ['/bin/bash', '/bin/dash', '/usr/bin/zsh']) {
    it.skipIf(!existsSync(shell))(`round-trips every hostile string at once through ${shell}`, () => {
      expect(roundTrip(shell, HOSTILE)).toEqual(HOSTILE);
    });
  }

  it('leaves harmless words bare and quotes the rest', () => {
    expect(quote('/etc/envoy-k8s-proxy/envoy.yaml')).toBe('/etc/envoy-k8s-proxy/envoy.yaml');
    expect(quote('-rf')).toBe('-rf');
    expect(quote('a=b')).toBe('a=b');
    expect(quote('=b')).toBe("'=b'");
    expect(quote('')).toBe("''");
    expect(quote("it's")).toBe(`'it'\\''s'`);
    expect(quote('*')).toBe("'*'");
  });

  it('rejects NUL bytes', () => {
    expect(() => quote('a\0b')).toThrow(/NUL/);
    expect(() => quoteArgv(['ok', 'a\0'])).toThrow(/NUL/);
  });

  it('rejects an empty argv', () => {
    expect(() => quoteArgv([])).toThrow(/empty/);
  });

  it('never runs command substitutions', () => {
    roundTrip('sh', ['$(touch /tmp/pwned-quote-test)', '`touch /tmp/pwned-quote-test`']);
    expect(existsSync('/tmp/pwned-quote-test')).toBe(false);
  });
});

describe('buildCommand', () => {
  it('quotes argv, wraps scripts in sh -c, and wraps both in sudo -n for become', () => {
    expect(buildCommand(['systemctl', 'restart', 'envoy k8s'], { become: false })).toBe(
      "systemctl restart 'envoy k8s'",
    );
    expect(buildCommand('echo $HOME | wc -c', { become: false })).toBe("sh -c 'echo $HOME | wc -c'");
    expect(buildCommand(['cat', "/etc/it's"], { become: true })).toBe(
      `sudo -n -- sh -c 'cat '\\''/etc/it'\\''\\'\\'''\\''s'\\'''`,
    );
    expect(buildCommand('id -u > /tmp/x', { become: true })).toBe("sudo -n -- sh -c 'id -u > /tmp/x'");
  });

  it('a become command still delivers hostile argv intact (sudo replaced by env)', () => {
    const line = buildCommand(['printf', '%s\\0', ...HOSTILE], { become: true }).replace(/^sudo -n --/, 'env');
    const out = execFileSync('sh', ['-c', line], { encoding: 'utf8' }).split('\0').slice(0, -1);
    expect(out).toEqual(HOSTILE);
  });
});
