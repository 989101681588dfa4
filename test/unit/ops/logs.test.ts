// logs: the remote command per mode, and splitting streamed chunks into prefixed lines.
import { describe, expect, it } from 'vitest';
import { prodInventory } from '../render/fixtures.ts';
import { PassThrough, Writable } from 'node:stream';
import { LineSplitter, MAX_LINE_BYTES, drainGate, hostPrefix, logArgv } from '../../../src/ops/logs.ts';

const inv = prodInventory();

describe('logArgv', () => {
  it('journalctl for the unit, with -n, --since and -f', () => {
    expect(logArgv(inv, { access: false, lines: 5, since: '10 min ago', follow: true })).toEqual([
      'journalctl',
      '-u',
      'envoy-k8s-proxy.service',
      '--no-pager',
      '--no-hostname',
      '-o',
      'short-iso',
      '-n',
      '5',
      '--since',
      '10 min ago',
      '-f',
    ]);
  });
  it('tail of the access log: -F to follow across rotation; a missing file is not an error without -f', () => {
    const follow = logArgv(inv, { access: true, lines: 3, follow: true });
    expect(follow.slice(0, 2)).toEqual(['sh', '-c']);
    expect(follow[2]).toBe('exec tail -n 3 -F -- "$1"');
    expect(follow.at(-1)).toBe(inv.accessLog.path);
    expect(logArgv(inv, { access: true, lines: 3, follow: false })[2]).toMatch(
      /^\[ -e "\$1" \] \|\| .*exec tail -n 3 -- "\$1"$/,
    );
  });
});

describe('LineSplitter', () => {
  it('emits whole lines across chunk boundaries and the tail on flush', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push('one\ntw');
    s.push(Buffer.from('o\r\nthr'));
    expect(lines).toEqual(['one', 'two']);
    s.flush();
    expect(lines).toEqual(['one', 'two', 'thr']);
  });
  it('keeps a character split across chunks whole', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('grüße ✓\n');
    for (let i = 0; i < bytes.length; i++) s.push(bytes.subarray(i, i + 1));
    expect(lines).toEqual(['grüße ✓']);
  });
  it('a line past the cap is emitted at once, cut, with a marker; the rest of it is skipped', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 10);
    s.push('0123456789\n'); // exactly the cap: whole
    s.push('abcdefgh');
    s.push('ijklmnop'); // past the cap, no newline yet
    expect(lines).toEqual(['0123456789', 'abcdefghij [… line cut at 10 bytes]']);
    s.push('x'.repeat(1000));
    s.push('yyy\nnext\n');
    s.flush();
    expect(lines.slice(2)).toEqual(['next']);
  });
  it('a cut never splits a character; memory held stays under the cap for an endless line', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 8);
    s.push('abcdefg✓✓'); // ✓ is 3 bytes: bytes 7..9 would be cut in the middle
    expect(lines).toEqual(['abcdefg [… line cut at 8 bytes]']);
    const big = new LineSplitter((l) => lines.push(l));
    for (let i = 0; i < 200; i++) big.push(Buffer.alloc(32 * 1024, 0x61)); // 6.4 MiB, no newline
    expect(lines.at(-1)!.length).toBe(MAX_LINE_BYTES + ` [… line cut at ${MAX_LINE_BYTES} bytes]`.length);
    expect((big as unknown as { size: number }).size).toBeLessThanOrEqual(MAX_LINE_BYTES);
  });
  it('prefixes pad host names; colour only when asked', () => {
    expect(hostPrefix('lb1', 0, 5, false)).toBe('lb1   | ');
    expect(hostPrefix('lb1', 0, 5, true)).toBe('\x1b[36mlb1  \x1b[0m | ');
  });
});

describe('drainGate', () => {
  it('nothing to wait for while the stream takes more; one shared promise until it drains', async () => {
    let release!: () => void;
    const slow = new Writable({ highWaterMark: 4, write: (_c, _e, cb) => void (release = cb) });
    const gate = drainGate(slow);
    expect(gate()).toBeUndefined();
    slow.write('12345'); // over the high-water mark: the writer must wait
    const a = gate();
    expect(a).toBeInstanceOf(Promise);
    expect(gate()).toBe(a);
    let drained = false;
    void a!.then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    release();
    await a;
    expect(gate()).toBeUndefined();
  });
  it('an error on the stream (the reader went away) ends the wait', async () => {
    const p = new PassThrough({ highWaterMark: 1 });
    p.on('error', () => undefined);
    p.write('xx');
    const wait = drainGate(p)();
    p.destroy(new Error('EPIPE'));
    await expect(wait).resolves.toBeUndefined();
  });
});
