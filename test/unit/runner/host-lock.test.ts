// The run lock's script, run for real with sh on this machine (root, like a host) in a temp dir:
// it records its holder, lives until its stdin ends, ends only an orphaned holder, and refuses a
// lock directory or file that is not root's own.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireHostLock, LOCK_DIR, LOCK_FILE, lockScript } from '../../../src/runner/host-lock.ts';
import { localTransport } from './local-transport.ts';

const root = process.getuid?.() === 0;
const boot = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });
// a zombie (reparented where nobody reaps) counts as gone
const alive = (pid: number) =>
  sh(`grep -q '^State:.*[^Z] (' /proc/${pid}/status 2>/dev/null && echo yes || echo no`).trim() === 'yes';
const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

function lockDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'ekp-lock-')), 'run');
}

async function until(test: () => boolean, ms = 5000): Promise<void> {
  const ok = () => {
    try {
      return test();
    } catch {
      return false; // not there yet
    }
  };
  for (const end = Date.now() + ms; !ok();) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('lockScript', () => {
  it('quotes every value, waits on its stdin (not on a parent pid) and records pid and boot id', () => {
    const s = lockScript("ops@x'; rm -rf / #", 10);
    expect(s).toContain(`d=${LOCK_DIR} f=${LOCK_DIR}/${LOCK_FILE}\n`);
    expect(lockScript('x', 1, "/tmp/a b'c")).toMatch(/^d='\/tmp\/a b'\\''c' f='\/tmp\/a b'\\''c\/run.lock'\n/);
    expect(s).toContain(`'ops@x'\\''; rm -rf / #'`);
    expect(s).not.toContain('kill -0 "$p"');
    expect(s).toContain('while read -r line; do :; done');
    expect(s).toContain('read -r boot < /proc/sys/kernel/random/boot_id');
    expect(s).toMatch(/flock -w "\$w" 9/);
  });
});

describe.skipIf(!root)('the run lock on this machine', () => {
  it('records its holder; a second run waits, then fails naming it; released at EOF of stdin', async () => {
    const dir = lockDir();
    const first = await acquireHostLock(localTransport('lb1'), { dir, waitS: 1 });
    const file = readFileSync(join(dir, LOCK_FILE), 'utf8');
    expect(file).toMatch(
      new RegExp(
        `^\\S+@\\S+ pid ${process.pid} since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\npid=(\\d+) boot=${boot()}\\n$`,
      ),
    );
    expect(sh(`stat -c %u:%a ${dir}`).trim()).toBe('0:700');
    const holderPid = Number(/pid=(\d+)/.exec(file)![1]);
    expect(alive(holderPid)).toBe(true);

    // held by a process that records nothing (another tool, an operator): never taken over
    await first.release();
    expect(alive(holderPid)).toBe(false);
    const other = execFileSync(
      'sh',
      [
        '-c',
        `flock ${join(dir, LOCK_FILE)} sh -c 'echo ops@laptop > ${join(dir, LOCK_FILE)}; sleep 4' >/dev/null 2>&1 & echo $!`,
      ],
      { encoding: 'utf8' },
    );
    cleanup.push(() => sh(`kill ${other.trim()} 2>/dev/null; true`));
    await until(() => readFileSync(join(dir, LOCK_FILE), 'utf8').startsWith('ops@laptop'));
    const t0 = Date.now();
    await expect(acquireHostLock(localTransport('lb1'), { dir, waitS: 1 })).rejects.toThrow(
      `lb1: another envoy-k8s-proxy run holds ${dir}/${LOCK_FILE}: ops@laptop`,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('runs the facts under the lock on its own channel: their output, not its stdin, and not fd 9', async () => {
    const dir = lockDir();
    const then = `printf 'a\\nb\\n'; read -r x && echo "read $x"; ls -l /proc/self/fd/9 2>/dev/null || echo no-fd9`;
    const lock = await acquireHostLock(localTransport('lb1'), { dir, waitS: 1, then });
    expect(lock.output).toBe('a\nb\nno-fd9\n');
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toMatch(/^\S+@\S+ pid \d+ since /);
    await lock.release();
  });

  it('a holder alive without its session (stdin never ends, parent gone) is ended and the lock taken', async () => {
    const dir = lockDir();
    mkdirSync(dir, { mode: 0o700 });
    const fifo = join(dir, '..', 'stdin');
    sh(`mkfifo ${fifo}`);
    const script = join(dir, '..', 'lock.sh');
    writeFileSync(script, lockScript('ops@crashed pid 1', 1, dir));
    // double fork: reparented, and stdin a FIFO it holds open for writing itself, so never EOF
    sh(`(setsid sh ${script} <>${fifo} >/dev/null 2>&1 &)`);
    await until(() => /pid=\d+/.test(readFileSync(join(dir, LOCK_FILE), 'utf8')));
    const orphan = Number(/pid=(\d+)/.exec(readFileSync(join(dir, LOCK_FILE), 'utf8'))![1]);
    cleanup.push(() => sh(`kill ${orphan} 2>/dev/null; true`));

    const lock = await acquireHostLock(localTransport('lb1'), { dir, waitS: 1 });
    expect(lock.tookOver).toBe(
      `took over from stale holder pid ${orphan} (its SSH session is gone): ops@crashed pid 1 since ${/since (\S+)/.exec(lock.tookOver ?? '')?.[1]}`,
    );
    expect(alive(orphan)).toBe(false);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toContain(`pid ${process.pid} since`);
    await lock.release();
  });

  it("at EOF it keeps the lock until the connection's other commands end (a step left running)", async () => {
    const dir = lockDir();
    const conn = `10.0.0.1 ${process.pid} 10.0.0.11 22`;
    const lock = await acquireHostLock(localTransport('lb1', { SSH_CONNECTION: conn }), { dir, waitS: 1 });
    // a step of the same connection still running on the host, detached from the holder
    const step = sh(`SSH_CONNECTION='${conn}' setsid sleep 3 >/dev/null 2>&1 & echo $!`).trim();
    cleanup.push(() => sh(`kill ${step} 2>/dev/null; true`));
    const t0 = Date.now();
    const released = lock.release();
    await until(() => readFileSync(join(dir, LOCK_FILE), 'utf8').includes('waiting for its commands'));
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toContain(
      `(connection gone: waiting for its commands ${step} to end)`,
    );
    await released;
    expect(Date.now() - t0).toBeGreaterThan(2000);
    expect(sh(`flock -n ${join(dir, LOCK_FILE)} echo free`).trim()).toBe('free');
  });

  it("at EOF the connection's idle SFTP server does not hold the lock", async () => {
    const dir = lockDir();
    const conn = `10.0.0.1 ${process.pid} 10.0.0.11 22`;
    const lock = await acquireHostLock(localTransport('lb1', { SSH_CONNECTION: conn }), { dir, waitS: 1 });
    // sshd's sftp-server for the same connection, idle until the connection closes
    const bin = join(dir, 'sftp-server');
    sh(`cp "$(command -v sleep)" ${bin}`);
    const server = sh(`SSH_CONNECTION='${conn}' setsid ${bin} 5 >/dev/null 2>&1 & echo $!`).trim();
    cleanup.push(() => sh(`kill ${server} 2>/dev/null; true`));
    const t0 = Date.now();
    await lock.release();
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(alive(Number(server))).toBe(true);
    expect(sh(`flock -n ${join(dir, LOCK_FILE)} echo free`).trim()).toBe('free');
  });

  it('a recorded holder that is gone is named when another process holds the file', async () => {
    const dir = lockDir();
    mkdirSync(dir, { mode: 0o700 });
    const f = join(dir, LOCK_FILE);
    writeFileSync(f, `ops@old pid 7 since 2025-01-01T00:00:00Z\npid=999999 boot=${boot()}\n`);
    const other = sh(`flock ${f} sleep 4 >/dev/null 2>&1 & echo $!`);
    cleanup.push(() => sh(`kill ${other.trim()} 2>/dev/null; true`));
    await until(() => sh(`flock -n ${f} true && echo free || echo held`).trim() === 'held');
    await expect(acquireHostLock(localTransport('lb1'), { dir, waitS: 1 })).rejects.toThrow(
      `lb1: another envoy-k8s-proxy run holds ${f}: ops@old pid 7 since 2025-01-01T00:00:00Z (its recorded process 999999 is gone: another process holds the file open)`,
    );
  });

  it('refuses a lock directory that is a symlink, not root-only, or a lock file that is a link', async () => {
    const base = mkdtempSync(join(tmpdir(), 'ekp-lock-'));
    mkdirSync(join(base, 'real'), { mode: 0o700 });
    symlinkSync(join(base, 'real'), join(base, 'link'));
    await expect(acquireHostLock(localTransport('lb1'), { dir: join(base, 'link'), waitS: 1 })).rejects.toThrow(
      /^lb1: refusing .*\/link: not a directory owned by root with mode 0700/,
    );
    mkdirSync(join(base, 'open'));
    chmodSync(join(base, 'open'), 0o1777);
    await expect(acquireHostLock(localTransport('lb1'), { dir: join(base, 'open'), waitS: 1 })).rejects.toThrow(
      /^lb1: refusing .*\/open: not a directory owned by root with mode 0700 \(drwxrwxrwt/,
    );
    symlinkSync('/etc/passwd', join(base, 'real', LOCK_FILE));
    await expect(acquireHostLock(localTransport('lb1'), { dir: join(base, 'real'), waitS: 1 })).rejects.toThrow(
      `lb1: refusing ${base}/real/${LOCK_FILE}: not a regular file`,
    );
    expect(readFileSync('/etc/passwd', 'utf8')).toMatch(/^root:/);
  });
});
