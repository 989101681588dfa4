// The bounds of a streamed exec: the stderr tail and the pause/resume of a channel's streams.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Backpressure, Tail } from '../../../src/ssh/stream-bounds.ts';

describe('Tail', () => {
  it('keeps the last max bytes, whatever the chunk sizes', () => {
    const t = new Tail(10);
    for (const s of ['abc', 'defghij', 'klmnopqrstu', 'v', 'wxyz']) t.push(Buffer.from(s));
    expect(t.toString()).toBe('qrstuvwxyz');
    expect((t as unknown as { size: number }).size).toBeLessThan(10 + 11); // at most one chunk beyond max
  });
  it('keeps everything when unbounded', () => {
    const t = new Tail(Infinity);
    for (let i = 0; i < 100; i++) t.push(Buffer.from(`${i},`));
    expect(t.toString().split(',')).toHaveLength(101);
  });
});

describe('Backpressure', () => {
  it('pauses every stream while a promise is pending, resumes when all settled', async () => {
    const a = new PassThrough();
    const b = new PassThrough();
    a.on('data', () => undefined);
    b.on('data', () => undefined);
    const flow = new Backpressure([a, b]);
    flow.hold(undefined); // a callback that returned nothing: no wait
    expect(a.isPaused() || b.isPaused()).toBe(false);
    let one!: () => void;
    let two!: (e: Error) => void;
    flow.hold(new Promise<void>((r) => (one = r)));
    flow.hold(new Promise<void>((_r, j) => (two = j)));
    expect(a.isPaused() && b.isPaused()).toBe(true);
    one();
    await new Promise((r) => setImmediate(r));
    expect(a.isPaused()).toBe(true); // the second still waits
    two(new Error('reader gone')); // a rejection resumes too
    await new Promise((r) => setImmediate(r));
    expect(a.isPaused() || b.isPaused()).toBe(false);
  });
  it('release: the streams flow again and later promises no longer pause them', () => {
    const a = new PassThrough();
    a.on('data', () => undefined);
    const flow = new Backpressure([a]);
    flow.hold(new Promise(() => undefined)); // a reader that never drains
    expect(a.isPaused()).toBe(true);
    flow.release();
    expect(a.isPaused()).toBe(false);
    flow.hold(new Promise(() => undefined));
    expect(a.isPaused()).toBe(false);
  });
});
