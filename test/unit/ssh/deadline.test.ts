// Deadlines: the wording of "no answer from <command> within <time>", and a timer that restarts
// on progress.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commandSummary, Deadline, formatWait } from '../../../src/ssh/deadline.ts';

describe('formatWait', () => {
  it.each([
    [250, '250ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [59_999, '60s'],
    [60_000, '1m'],
    [90_000, '90s'],
    [900_000, '15m'],
  ])('%i ms → %s', (ms, text) => expect(formatWait(ms)).toBe(text));
});

describe('commandSummary', () => {
  it.each<[string[] | string, string]>([
    [['envoy', '--version'], '`envoy --version`'],
    [['systemctl', 'restart', 'envoy-k8s-proxy'], '`systemctl restart envoy-k8s-proxy`'],
    [['sh', '-c', 'set -e\n# stage the files\ncd /etc/envoy-k8s-proxy\nmv a b\n'], '`cd /etc/envoy-k8s-proxy …`'],
    ['journalctl -u envoy-k8s-proxy -n 50', '`journalctl -u envoy-k8s-proxy -n 50`'],
    [['sh', '-c', 'x'.repeat(100)], `\`${'x'.repeat(59)}…\``],
    [['printf', 'a\n\tb'], '`printf a b`'],
  ])('%j → %s', (command, text) => expect(commandSummary(command)).toBe(text));

  it('names a script fed to sh -s by its first line', () => {
    expect(commandSummary(['sh', '-s'], 'set -eu\ncd /etc/envoy-k8s-proxy\nmv .a a\n')).toBe(
      '`cd /etc/envoy-k8s-proxy …`',
    );
    expect(commandSummary(['sh', '-s'], Buffer.from('binary'))).toBe('`sh -s`');
  });
});

describe('Deadline', () => {
  afterEach(() => vi.useRealTimers());

  it('fires once after ms; touch() starts the wait over; clear() stops it; 0 never fires', () => {
    vi.useFakeTimers();
    const fired: string[] = [];
    const d = new Deadline(1000, () => fired.push('a'));
    vi.advanceTimersByTime(900);
    d.touch();
    vi.advanceTimersByTime(900);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['a']);
    expect(d.expired).toBe(true);
    d.touch();
    vi.advanceTimersByTime(5000);
    expect(fired).toEqual(['a']);

    const c = new Deadline(1000, () => fired.push('c'));
    c.clear();
    const none = new Deadline(0, () => fired.push('none'));
    none.touch();
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual(['a']);
  });
});
