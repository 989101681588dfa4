// The SSH layer against a real OpenSSH sshd on loopback: quoting, stdin, exit codes, SFTP,
// channel multiplexing, host-key checking, auth and connect errors, port forwarding, abort.

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.ts';
import { connect } from '../../../src/ssh/connect.ts';
import type { Transport } from '../../../src/ssh/types.ts';
import { freePort, sshdUnavailable, startSshd, type TestSshd } from './sshd.ts';

const why = sshdUnavailable();
if (why) console.warn(`skipping SSH e2e tests: ${why}`);

// No agent, no default keys: only what each test configures.
const ENV = { HOME: '/nonexistent-home' };

const HOSTILE = [
  '',
  ' ',
  "it's",
  '"q"',
  'a\nb\n',
  '$(id)',
  '`id`',
  '${HOME}',
  '*',
  '-n',
  '--',
  'a;b|c&d',
  '\\',
  'ü ✓',
  '!x',
  '~',
];

function pgrep(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-af', pattern], { encoding: 'utf8' });
  } catch {
    return ''; // exit 1: nothing matched
  }
}

async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

async function connectError(p: Promise<Transport>): Promise<ToolError> {
  const err = await p.then(
    async (t) => {
      await t.close();
      throw new Error('connected, but a refusal was expected');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ToolError);
  return err as ToolError;
}

describe.skipIf(why !== undefined)('ssh transport against a real sshd', () => {
  let sshd: TestSshd;
  let t: Transport;

  beforeAll(async () => {
    sshd = await startSshd();
    writeFileSync(join(sshd.dir, 'known_hosts'), sshd.knownHostsLine, { mode: 0o600 });
    t = await connect(sshd.host(), { env: ENV });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
    await sshd?.stop();
  });

  it('passes hostile argv through exactly', async () => {
    const r = await t.exec(['printf', '%s\\0', ...HOSTILE]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
  });

  it('runs a string as an sh script', async () => {
    const r = await t.exec('x=$(echo hi); echo "$x" | tr a-z A-Z; echo err >&2; exit 3');
    expect(r).toEqual({ code: 3, stdout: 'HI\n', stderr: 'err\n' });
  });

  it('feeds stdin and closes it', async () => {
    const data = randomBytes(1 << 20);
    const r = await t.exec(['sha256sum'], { stdin: data });
    expect(r.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
    expect((await t.exec(['cat'], { stdin: "it's\n$(id)" })).stdout).toBe("it's\n$(id)");
    expect((await t.exec(['cat'])).stdout).toBe(''); // EOF sent even without stdin
  });

  it('streams output while it arrives', async () => {
    const chunks: string[] = [];
    const r = await t.exec('echo one; sleep 0.3; echo two', { onStdout: (c) => void chunks.push(c.toString()) });
    expect(chunks.join('')).toBe('one\ntwo\n');
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(r.stdout).toBe(''); // streamed, not also kept: a long follow must not grow memory
  });

  it('a reader that is not ready pauses the channel: the host stops sending, then all of it arrives', async () => {
    let received = 0;
    let atRelease = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const run = t.exec(['head', '-c', String(64 << 20), '/dev/zero'], {
      onStdout: (c) => {
        received += c.length;
        return gate; // still pending: every chunk after this one waits in the SSH window
      },
    });
    // The host could send 64 MiB in well under a second; it is held at the window (2 MiB) plus ssh2's buffer (2 MiB).
    await new Promise((r) => setTimeout(r, 1500));
    atRelease = received;
    release();
    const r = await run;
    expect(r.code).toBe(0);
    expect(atRelease).toBeGreaterThan(0);
    expect(atRelease).toBeLessThanOrEqual(5 << 20);
    expect(received).toBe(64 << 20);
  });

  it('streamed stderr: the callback sees all of it, the result keeps its last 64 KiB', async () => {
    let seen = 0;
    const r = await t.exec('head -c 1048576 /dev/zero | tr "\\0" e >&2; echo last-line >&2', {
      onStderr: (c) => void (seen += c.length),
    });
    expect(seen).toBe((1 << 20) + 'last-line\n'.length);
    expect(r.stderr.length).toBe(64 * 1024);
    expect(r.stderr.endsWith('eeelast-line\n')).toBe(true);
  });

  it('uploads with SFTP and sets the mode, also over an existing file', async () => {
    const data = randomBytes(300_000);
    const path = join(sshd.dir, "upload it's.bin");
    await t.put(data, path, { mode: 0o640 });
    const sum = await t.exec(['sha256sum', '--', path]);
    expect(sum.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
    expect((await t.exec(['stat', '-c', '%a', path])).stdout.trim()).toBe('640');
    const local = join(sshd.dir, 'local.txt');
    writeFileSync(local, 'from a local file\n');
    await t.put({ localPath: local }, path, { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('from a local file\n');
    expect((await t.exec(['stat', '-c', '%a', path])).stdout.trim()).toBe('600');
  });

  it('multiplexes 20 concurrent commands within sshd MaxSessions (8 channels at a time)', async () => {
    const start = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => t.exec(`sleep 0.4; echo ${i}`)));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    // 20 commands, 8 at a time: three waves of 0.4 s.
    expect(Date.now() - start).toBeGreaterThanOrEqual(1150);
  });

  it('counts round trips and bytes', async () => {
    const before = { ...t.stats };
    await t.exec(['echo', 'hello']);
    await t.put(Buffer.from('12345'), join(sshd.dir, 'stats.txt'));
    expect(t.stats.roundTrips - before.roundTrips).toBe(2);
    expect(t.stats.bytesReceived - before.bytesReceived).toBe(6);
    expect(t.stats.bytesSent - before.bytesSent).toBeGreaterThanOrEqual(5 + 'echo hello'.length);
  });

  it('forwards a local port to a service the host can reach', async () => {
    const server: Server = createServer((req, res) => res.end(`hello from ${req.url}`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const fwd = await t.forward('127.0.0.1', port);
      expect(fwd.localPort).not.toBe(port);
      const bodies = await Promise.all(
        [1, 2, 3].map((n) => fetch(`http://127.0.0.1:${fwd.localPort}/x${n}`).then((r) => r.text())),
      );
      expect(bodies).toEqual(['hello from /x1', 'hello from /x2', 'hello from /x3']);
      await fwd.close();
      await expect(fetch(`http://127.0.0.1:${fwd.localPort}/`)).rejects.toThrow();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('abort kills the remote process, not only the channel', async () => {
    const marker = `317.${Date.now() % 1_000_000}`;
    const ac = new AbortController();
    const p = t.exec(`sleep ${marker}; echo never`, { signal: ac.signal });
    expect(await eventually(() => pgrep(`sleep ${marker}`) !== '')).toBe(true);
    ac.abort();
    await expect(p).rejects.toMatchObject({ kind: 'interrupted' });
    expect(await eventually(() => pgrep(marker) === '')).toBe(true);
    // The connection stays usable.
    expect((await t.exec(['echo', 'still here'])).stdout).toBe('still here\n');
  });

  it('an abort while the channel is still opening stops the command too', async () => {
    const marker = `320.${Date.now() % 1_000_000}`;
    const ac = new AbortController();
    // a deadline far below the suite's, so an abort that went unheard fails as 'remote' quickly
    const p = t.exec(`sleep ${marker}; echo never`, { signal: ac.signal, timeoutMs: 15_000 });
    // the request is on the wire by now; sshd's answer is a round trip and a fork away
    setImmediate(() => ac.abort());
    await expect(p).rejects.toMatchObject({ kind: 'interrupted' });
    expect(await eventually(() => pgrep(marker) === '')).toBe(true);
    expect((await t.exec(['echo', 'still here'])).stdout).toBe('still here\n');
  });

  it('timeout kills the remote process and says so', async () => {
    const marker = `318.${Date.now() % 1_000_000}`;
    await expect(t.exec(['sleep', marker], { timeoutMs: 500 })).rejects.toThrow(
      `lb1: no answer from \`sleep ${marker}\` within 500ms`,
    );
    expect(await eventually(() => pgrep(marker) === '')).toBe(true);
  });

  it("every command has the host's ssh.commandTimeout unless it sets its own (0: none)", async () => {
    const short = await connect(sshd.host({ commandTimeoutMs: 700 }), { env: ENV });
    try {
      const marker = `319.${Date.now() % 1_000_000}`;
      await expect(short.exec(`sleep ${marker}`)).rejects.toThrow(
        `lb1: no answer from \`sleep ${marker}\` within 700ms`,
      );
      expect(await eventually(() => pgrep(marker) === '')).toBe(true);
      expect((await short.exec('sleep 1; echo slept', { timeoutMs: 0 })).stdout).toBe('slept\n');
      expect((await short.exec('sleep 1; echo slept', { timeoutMs: 3000 })).stdout).toBe('slept\n');
    } finally {
      await short.close();
    }
  });

  it('stdinUntil keeps stdin open until the signal, then EOF: a reader lives as long as asked', async () => {
    const eof = new AbortController();
    let seen = '';
    const p = t.exec('echo ready; while read -r l; do :; done; echo eof', {
      stdinUntil: eof.signal,
      timeoutMs: 0,
      onStdout: (c) => {
        seen += c.toString();
      },
    });
    expect(await eventually(() => seen === 'ready\n')).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(seen).toBe('ready\n'); // still reading
    eof.abort();
    await expect(p).resolves.toMatchObject({ code: 0 });
    expect(seen).toBe('ready\neof\n');
  });

  it('an upload to a stalled SFTP session fails with "no answer" within its deadline', async () => {
    const short = await connect(sshd.host({ commandTimeoutMs: 1000 }), { env: ENV });
    const stopped: number[] = [];
    const resume = () => stopped.splice(0).forEach((pid) => process.kill(pid, 'SIGCONT'));
    try {
      await short.put(Buffer.from('one'), join(sshd.dir, 'up1'));
      // this sshd serves SFTP in-process (internal-sftp): stop its per-connection processes
      const parent = (pid: number) =>
        Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      for (const line of pgrep('sshd').split('\n').filter(Boolean)) {
        const pid = Number(line.split(' ')[0]);
        for (let p = parent(pid); p > 1; p = parent(p)) if (p === sshd.pid) stopped.push(pid);
      }
      expect(stopped.length).toBeGreaterThan(0);
      for (const pid of stopped) process.kill(pid, 'SIGSTOP');
      const t0 = Date.now();
      await expect(short.put(Buffer.from('two'), join(sshd.dir, 'up2'))).rejects.toThrow(
        `lb1: no answer from the upload of ${join(sshd.dir, 'up2')} within 1s`,
      );
      expect(Date.now() - t0).toBeLessThan(5000);
      resume();
      await short.put(Buffer.from('three'), join(sshd.dir, 'up3'));
      expect(readFileSync(join(sshd.dir, 'up3'), 'utf8')).toBe('three');
    } finally {
      resume();
      await short.close();
    }
  });

  it('an already-aborted signal runs nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(t.exec(['touch', join(sshd.dir, 'nope')], { signal: ac.signal })).rejects.toMatchObject({
      kind: 'interrupted',
    });
    expect(existsSync(join(sshd.dir, 'nope'))).toBe(false);
  });

  it('refuses a host whose key is not in known_hosts (strict)', async () => {
    const kh = join(sshd.dir, 'empty_known_hosts');
    const err = await connectError(connect(sshd.host({ knownHosts: kh }), { env: ENV }));
    expect(err.kind).toBe('hostkey');
    expect(err.message).toMatch(
      new RegExp(
        `^lb1: host key for \\[127\\.0\\.0\\.1\\]:${sshd.port} is not in ${kh} \\(offered ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}; use hostKeyChecking: accept-new`,
      ),
    );
    expect(existsSync(kh)).toBe(false);
  });

  it('refuses a changed host key loudly, even with accept-new', async () => {
    const kh = join(sshd.dir, 'changed_known_hosts');
    writeFileSync(kh, `# header\n${sshd.otherKnownHostsLine}`);
    const offered = execFileSync('ssh-keygen', ['-lf', join(sshd.dir, 'host_ed25519.pub')], { encoding: 'utf8' }).split(
      ' ',
    )[1]!;
    const known = execFileSync('ssh-keygen', ['-lf', join(sshd.dir, 'other_host_ed25519.pub')], {
      encoding: 'utf8',
    }).split(' ')[1]!;
    for (const mode of ['strict', 'accept-new'] as const) {
      const err = await connectError(connect(sshd.host({ knownHosts: kh, hostKeyChecking: mode }), { env: ENV }));
      expect(err.kind).toBe('hostkey');
      expect(err.message).toContain(
        `lb1: REMOTE HOST IDENTIFICATION HAS CHANGED for [127.0.0.1]:${sshd.port}: offered ssh-ed25519 ${offered}, ${kh} line 2 has ${known}`,
      );
    }
    expect(readFileSync(kh, 'utf8')).toBe(`# header\n${sshd.otherKnownHostsLine}`);
  });

  it('refuses a @revoked key', async () => {
    const kh = join(sshd.dir, 'revoked_known_hosts');
    writeFileSync(kh, `${sshd.knownHostsLine}@revoked * ${sshd.knownHostsLine.split(' ').slice(1).join(' ')}`);
    const err = await connectError(connect(sshd.host({ knownHosts: kh, hostKeyChecking: 'accept-new' }), { env: ENV }));
    expect(err.message).toMatch(/marked @revoked in .* line 2/);
  });

  it('accept-new records an unknown key, then strict accepts it', async () => {
    const kh = join(sshd.dir, 'new', 'known_hosts');
    const told: string[] = [];
    const t2 = await connect(sshd.host({ knownHosts: kh, hostKeyChecking: 'accept-new' }), {
      env: ENV,
      onNewHostKey: (m) => told.push(m),
    });
    await t2.close();
    expect(readFileSync(kh, 'utf8')).toBe(sshd.knownHostsLine);
    expect(told).toEqual([
      expect.stringMatching(/^lb1: recorded new host key for \[127\.0\.0\.1\]:\d+ \(ssh-ed25519 SHA256:/),
    ]);
    const t3 = await connect(sshd.host({ knownHosts: kh }), { env: ENV });
    expect((await t3.exec(['true'])).code).toBe(0);
    await t3.close();
    expect(readFileSync(kh, 'utf8')).toBe(sshd.knownHostsLine); // recorded once
  });

  it('accept-new does not record an ed25519 key for a host pinned by its ecdsa key: it asks for ecdsa', async () => {
    const kh = join(sshd.dir, 'ecdsa_known_hosts');
    writeFileSync(kh, sshd.ecdsaKnownHostsLine);
    const told: string[] = [];
    const t2 = await connect(sshd.host({ knownHosts: kh, hostKeyChecking: 'accept-new' }), {
      env: ENV,
      onNewHostKey: (m) => told.push(m),
    });
    expect((await t2.exec(['true'])).code).toBe(0);
    await t2.close();
    expect(told).toEqual([]);
    expect(readFileSync(kh, 'utf8')).toBe(sshd.ecdsaKnownHostsLine);
  });

  it('refuses a host that offers none of its pinned key types, in both modes, recording nothing', async () => {
    const kh = join(sshd.dir, 'rsa_known_hosts');
    writeFileSync(kh, sshd.rsaKnownHostsLine);
    for (const mode of ['strict', 'accept-new'] as const) {
      const err = await connectError(connect(sshd.host({ knownHosts: kh, hostKeyChecking: mode }), { env: ENV }));
      expect(err.kind).toBe('hostkey');
      expect(err.message).toMatch(
        new RegExp(
          `^lb1: \\[127\\.0\\.0\\.1\\]:${sshd.port} offers none of the host key types ${kh} pins for it \\(ssh-rsa\\): refusing to connect`,
        ),
      );
    }
    expect(readFileSync(kh, 'utf8')).toBe(sshd.rsaKnownHostsLine);
  });

  it('reports an authentication failure', async () => {
    const err = await connectError(connect(sshd.host({ identityFile: sshd.strangerKey }), { env: ENV }));
    expect(err.kind).toBe('connect');
    expect(err.message).toBe(
      `lb1: cannot connect to 127.0.0.1:${sshd.port}: authentication failed for user root (the server accepted none of the offered keys)`,
    );
  });

  it('reports a refused connection', async () => {
    const port = await freePort();
    const err = await connectError(connect(sshd.host({ port }), { env: ENV }));
    expect(err.message).toBe(`lb1: cannot connect to 127.0.0.1:${port}: connection refused`);
  });

  it('connects through a ProxyJump bastion', async () => {
    const t4 = await connect(sshd.host({ proxyJump: `root@127.0.0.1:${sshd.port}` }), { env: ENV });
    expect((await t4.exec(['echo', 'via bastion'])).stdout).toBe('via bastion\n');
    await t4.close();
  });

  it('fails operations after close with a clear error', async () => {
    const t5 = await connect(sshd.host(), { env: ENV });
    await t5.close();
    await expect(t5.exec(['true'])).rejects.toMatchObject({ kind: 'connect' });
  });
});
