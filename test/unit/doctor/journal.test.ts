// The journal check counts only what the running Envoy (or systemd about it) said: the previous
// process's shutdown lines land in the same second the new one starts.
import { describe, expect, it } from 'vitest';
import { parseJournal } from '../../../src/doctor/probes.ts';
import { checkJournal } from '../../../src/doctor/check-envoy.ts';

const out = [
  '@@since @1764076170',
  '@@pid 5700',
  '1764076170.545 lb1 envoy[5605]: [2026-11-25 13:09:30.545][5605][warning][main] caught SIGTERM',
].join('\n');

describe('checkJournal', () => {
  it("ignores the previous process's lines from the second the service started in", () => {
    const j = parseJournal(out);
    expect(j.mainPid).toBe(5700);
    expect(checkJournal(j, true).verdict).toBe('ok');
  });

  it("warns about the running process's own warnings and systemd's lines about the unit", () => {
    const j = parseJournal(
      `${out}\n1764076172.000 lb1 envoy[5700]: [x][5700][error][upstream] boom\n1764076173.000 lb1 systemd[1]: envoy-k8s-proxy.service: Watchdog timeout`,
    );
    const c = checkJournal(j, true);
    expect(c.verdict).toBe('warn');
    expect(c.summary).toMatch(/^2 warning\/error line/);
  });

  it('under hot restart: the lines of every process of the unit count, the main pid being the restarter', () => {
    const hot = [
      '@@since @1764076170',
      '@@pid 5700',
      '@@pids 5700 5810 5811 ',
      '1764076172.000 lb1 sh[5811]: [x][5811][error][upstream] boom',
      '1764076173.000 lb1 sh[5605]: [x][5605][error][upstream] an older process, stopped before',
    ].join('\n');
    const j = parseJournal(hot);
    expect(j.pids).toEqual([5700, 5810, 5811]);
    const c = checkJournal(j, true);
    expect(c.verdict).toBe('warn');
    expect(c.summary).toMatch(/^1 warning\/error line/);
  });
});
