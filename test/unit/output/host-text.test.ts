// Every printer of host-originated text (task errors, the recap, notes, admin bodies, doctor and
// status reasons, rolling messages, CLI error messages) leaves no control sequence in its output.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { report } from '../../../src/cli.ts';
import { formatFleet } from '../../../src/doctor/format.ts';
import { check } from '../../../src/doctor/types.ts';
import { RemoteError } from '../../../src/errors.ts';
import { formatReplies } from '../../../src/output/admin-replies.ts';
import { formatRecap, formatTask } from '../../../src/output/format.ts';
import { createReporter } from '../../../src/output/reporter.ts';
import { formatRolling } from '../../../src/output/rolling.ts';
import { formatStatus } from '../../../src/output/status-table.ts';

/** Clipboard write, title set, cursor up + erase, \r overwrite, bell, 8-bit CSI. */
const HOSTILE = 'x\x1b]52;c;Y3VybCBldmlsfHNo\x07\x1b]0;pwned\x1b\\\x1b[2A\x1b[2Kok\rFAKE\x07\x9b2Jy';
const SAFE = 'xokFAKEy';
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
const plain = { color: false };

function expectSafe(text: string): void {
  expect(text).not.toMatch(CONTROLS);
  expect(text).toContain(SAFE);
}

afterEach(() => vi.restoreAllMocks());

describe('host text is printed without control sequences', () => {
  it('a failed task and the recap', () => {
    expectSafe(
      formatTask({ host: 'lb1', role: 'envoy', task: 'restart', status: 'failed', error: HOSTILE, ms: 5 }, plain),
    );
    const recap = {
      host: 'lb1',
      ok: 0,
      changed: 0,
      failed: 1,
      skipped: 0,
      unreachable: true,
      ms: 1,
      roundTrips: 1,
      error: HOSTILE,
    };
    expectSafe(formatRecap({ recap: [recap], results: [], aborted: false } as never, plain));
  });

  it('a note from a host in the line reporter', () => {
    const out: string[] = [];
    const r = createReporter({
      json: false,
      diff: false,
      out: { write: (s: string) => out.push(s) } as never,
      color: false,
    });
    r.event({ kind: 'note', host: 'lb1', message: HOSTILE });
    expectSafe(out.join(''));
  });

  it('admin GET bodies and errors', () => {
    expectSafe(
      formatReplies([
        { host: 'lb1', ok: true, status: 200, body: `${HOSTILE}\nsecond` },
        { host: 'lb2', ok: false, status: 0, body: '', error: HOSTILE },
      ]),
    );
  });

  it('doctor summaries, details and fixes', () => {
    const checks = [check('journal', 'journal', 'warn', HOSTILE, { details: [HOSTILE], fix: HOSTILE })];
    expectSafe(
      formatFleet(
        {
          verdict: 'warn',
          hosts: [{ host: 'lb1', address: '10.0.0.1', verdict: 'warn', checks, ms: 1, roundTrips: 1 }],
        } as never,
        plain,
      ),
    );
  });

  it('status: the unit state, the version the host reports, the problems', () => {
    const unit = {
      loadState: 'loaded',
      activeState: `active${HOSTILE}`,
      subState: 'running',
      unitFileState: 'enabled',
      since: '',
      startedAt: '',
      nRestarts: 0,
      mainPid: 1,
    };
    const row = {
      host: 'lb1',
      address: '10.0.0.1',
      health: 'degraded' as const,
      problems: [HOSTILE],
      unit,
      version: { binary: HOSTILE, running: null, inventory: '1.35.0' },
      uptimeS: 5,
      listeners: { up: 1, expected: 1 },
      clusters: [],
      drift: { state: 'in-sync' as const, drifted: [], missing: [] },
    };
    const text = formatStatus([row], [], plain);
    expect(text).not.toMatch(CONTROLS);
    expect(text.split('\n')[1]).toContain(SAFE); // the version cell
    expect(text).toContain(`lb1: ${SAFE}`);
  });

  it('rolling restart messages', () => {
    const r = {
      ok: false,
      refused: true,
      hosts: [{ host: 'lb1', status: 'failed' as const, message: HOSTILE }],
      failed: { host: 'lb1', reason: HOSTILE },
      unreachable: [],
      stateFile: '/tmp/x',
      resumable: false,
      ms: 1,
    };
    expectSafe(formatRolling(r, plain));
  });

  it('the CLI error line of a remote command that failed', () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    expect(report(new RemoteError('lb1', 'restart envoy-k8s-proxy', 'systemctl restart x', 1, HOSTILE))).toBe(1);
    expectSafe(err.join(''));
    expect(err.join('')).toMatch(/^error: lb1: unable to restart envoy-k8s-proxy: /);
  });
});
