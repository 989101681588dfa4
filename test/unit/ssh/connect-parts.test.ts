import { describe, expect, it } from 'vitest';
import { connectError } from '../../../src/ssh/connect-error.ts';
import { parseProxyJump } from '../../../src/ssh/connect.ts';
import { PidSniffer, reportingPid } from '../../../src/ssh/remote-kill.ts';
import { Semaphore } from '../../../src/ssh/semaphore.ts';

const target = { name: 'lb1', address: '10.0.0.11', port: 22, user: 'root', timeoutMs: 10000 };
const err = (props: Record<string, string>): Error => Object.assign(new Error(props.message ?? 'x'), props);

describe('connectError', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }, 'connection refused'],
    [{ code: 'ETIMEDOUT' }, 'timed out after 10000 ms'],
    [{ level: 'client-timeout', message: 'Timed out while waiting for handshake' }, 'timed out after 10000 ms'],
    [{ code: 'EHOSTUNREACH' }, 'host unreachable'],
    [{ code: 'ENETUNREACH' }, 'network unreachable'],
    [{ code: 'ENOTFOUND' }, 'cannot resolve 10.0.0.11'],
    [
      { level: 'client-authentication', message: 'All configured authentication methods failed' },
      'authentication failed for user root (the server accepted none of the offered keys)',
    ],
    [{ message: 'Connection lost before handshake' }, 'connection closed by the remote side before the SSH handshake'],
  ])('%o → %s', (props, reason) => {
    const e = connectError(err(props), target);
    expect(e.kind).toBe('connect');
    expect(e.message).toBe(`lb1: cannot connect to 10.0.0.11:22: ${reason}`);
  });
});

describe('parseProxyJump', () => {
  it.each([
    ['bastion', { user: 'root', address: 'bastion', port: 22 }],
    ['ops@bastion.example:2222', { user: 'ops', address: 'bastion.example', port: 2222 }],
    ['[fd00::1]:2200', { user: 'root', address: 'fd00::1', port: 2200 }],
    ['10.0.0.1', { user: 'root', address: '10.0.0.1', port: 22 }],
  ])('%s', (spec, want) => {
    expect(parseProxyJump(spec, 'root')).toEqual(want);
  });
  it.each(['', 'a b', 'host:0', 'host:99999', 'u@'])('rejects %j', (spec) => {
    expect(() => parseProxyJump(spec, 'root')).toThrow(/invalid proxyJump/);
  });
});

describe('PidSniffer', () => {
  it('takes the PID report out of stderr, split across chunks, keeping noise around it', async () => {
    const s = new PidSniffer();
    const line = reportingPid('true');
    expect(line.startsWith(`printf 'EKP-SESSION-PID:%s\\n' "$$" >&2; `)).toBe(true);
    const got: string[] = [];
    for (const c of ['bashrc noise\nEKP-SESS', 'ION-PID:4242', '\nreal error\n'])
      got.push(s.feed(Buffer.from(c)).toString());
    got.push(s.end().toString());
    expect(got.join('')).toBe('bashrc noise\nreal error\n');
    expect(await s.whenKnown()).toBe(4242);
  });

  it('gives back held bytes when the report never comes', async () => {
    const s = new PidSniffer();
    expect(s.feed(Buffer.from('partial')).toString()).toBe('');
    expect(s.end().toString()).toBe('partial');
    expect(await s.whenKnown()).toBeUndefined();
  });
});

describe('Semaphore', () => {
  it('never lets more than the limit run, and frees waiters on abort', async () => {
    const sem = new Semaphore(2);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 7 }, async () => {
        const release = await sem.acquire();
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        release();
      }),
    );
    expect(peak).toBe(2);
    const hold = [await sem.acquire(), await sem.acquire()];
    const ac = new AbortController();
    const waiting = sem.acquire(ac.signal);
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    hold.forEach((r) => r());
    expect(sem.inUse).toBe(0);
  });
});
