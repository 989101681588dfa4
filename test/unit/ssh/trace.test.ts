// -v / -vv: each remote command as it ran, with host, duration and exit code; the keys offered at
// login; output only at -vv; secrets (URL passwords, the key passphrase, uploaded content) never.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.ts';
import { parseInventory } from '../../../src/inventory/index.ts';
import { buildCommand, configureTrace, createFakeTransport, quote, redact, traced } from '../../../src/ssh/index.ts';
import { freePort } from '../../support/net.ts';

const SECRET = 'hunter2-not-for-logs';
const dir = mkdtempSync(join(tmpdir(), 'ekp-trace-'));

function inventory(extra = ''): string {
  return `clusters: [{name: k8s, listenPort: 6443, endpoints: ["10.0.0.21:6443"]}]
hosts: [{name: lb1, address: 127.0.0.1}]
${extra}`;
}

/** Runs `fn` with the trace on at `level`, returning what it wrote. */
async function tracing(level: number, fn: () => Promise<unknown>): Promise<string> {
  let out = '';
  const previous = configureTrace({ level, write: (l) => (out += l) });
  try {
    await fn();
  } finally {
    configureTrace(previous);
  }
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('a traced transport', () => {
  const host = parseInventory(inventory('ssh: {user: ops, become: true}'), 'x.yaml').hosts[0]!;
  const fake = () =>
    createFakeTransport(
      'lb1',
      (cmd) => (cmd.includes('false') ? { code: 1, stderr: 'nope\n' } : { stdout: 'hello\n' }),
      {
        become: true,
      },
    );

  it('-v: the command quoted as it ran (sudo for become), host first, exit code and duration; no output', async () => {
    const out = await tracing(1, async () => {
      const t = traced(fake(), host); // decided when connecting: the trace is on by then
      await t.exec(['systemctl', 'is-active', "it's"]);
      await t.exec(['false']);
    });
    const line = buildCommand(['systemctl', 'is-active', "it's"], { become: true });
    expect(line).toBe(`sudo -n -- sh -c ${quote(`systemctl is-active ${quote("it's")}`)}`);
    expect(out).toContain(`lb1: $ ${line} → exit 0 in `);
    expect(out).toMatch(/^lb1: \$ sudo -n -- sh -c false → exit 1 in \d+ms$/m);
    expect(out).not.toContain('hello');
    expect(out).not.toContain('nope');
  });

  it('-vv adds stdout and stderr, indented under their command', async () => {
    const out = await tracing(2, async () => {
      const t = traced(fake(), host);
      await t.exec(['echo', 'hello'], { become: false });
      await t.exec(['false'], { become: false });
    });
    expect(out).toContain('lb1: $ echo hello → exit 0');
    expect(out).toContain('lb1:   stdout:\n    | hello\n');
    expect(out).toContain('lb1:   stderr:\n    | nope\n');
  });

  it('uploads and stdin are sizes, never content', async () => {
    const out = await tracing(2, async () => {
      const t = traced(fake(), host);
      await t.exec(['tee', '/etc/x'], { stdin: `token: ${SECRET}\n` });
      await t.put(Buffer.from(SECRET), '/etc/envoy-k8s-proxy/x.yaml', { mode: 0o640 });
    });
    expect(out).toContain('(stdin: 28 bytes, not shown)');
    expect(out).toMatch(/lb1: put \/etc\/envoy-k8s-proxy\/x.yaml \(20 bytes, mode 0640\) → ok in \d+ms/);
    expect(out).not.toContain(SECRET);
  });

  it('is the transport itself when the trace is off', () => {
    const t = fake();
    expect(traced(t, host)).toBe(t);
  });
});

describe('redact', () => {
  it('masks a URL password and the key passphrase, keeps the rest', () => {
    expect(redact(`curl -fsSL https://ops:${SECRET}@mirror.example/envoy/v1.35.0`, {})).toBe(
      'curl -fsSL https://ops:***@mirror.example/envoy/v1.35.0',
    );
    expect(redact(`x ${SECRET} y`, { SSH_KEY_PASSPHRASE: SECRET })).toBe('x *** y');
    expect(redact('ssh://ops@bastion.example:22 10.0.0.1:6443', {})).toBe('ssh://ops@bastion.example:22 10.0.0.1:6443');
  });
});

describe('envoy-k8s-proxy -v', () => {
  it('names the keys offered (file and fingerprint), never the passphrase nor an inventory password', async () => {
    const key = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', SECRET, '-C', '', '-f', key]);
    const fp = execFileSync('ssh-keygen', ['-l', '-f', `${key}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    const port = await freePort(); // nothing listens: the login fails after the trace says what it offered
    const file = join(dir, 'inv.yaml');
    writeFileSync(
      file,
      inventory(`ssh: {port: ${port}, identityFile: ${key}, knownHosts: ${join(dir, 'known_hosts')}, hostKeyChecking: accept-new}
envoy: {mirror: "https://ops:${SECRET}@mirror.example/envoy"}`),
    );
    vi.stubEnv('SSH_KEY_PASSPHRASE', SECRET);
    vi.stubEnv('SSH_AUTH_SOCK', '');
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const code = await main(['status', '-v', '--hosts', file]);
    expect(code).toBe(3);
    expect(err).toContain(`lb1: connecting to root@[127.0.0.1]:${port}, offering ${key} (ssh-ed25519 ${fp})`);
    expect(err).not.toContain(SECRET);
  });
});
