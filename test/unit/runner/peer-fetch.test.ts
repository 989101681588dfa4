// Upload once per subnet, with recording fake transports: the seed offers, its server starts once
// for all its peers and stops with the run; a peer fetches and verifies, and falls back to the
// control machine's upload when the seed fails, cannot serve, or serves bytes that fail the check.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FactSpec, Facts } from '../../../src/facts/types.ts';
import type { HostSpec } from '../../../src/inventory/types.ts';
import { release } from '../../../src/modules/release.ts';
import { Connections } from '../../../src/runner/connections.ts';
import { PeerFetch } from '../../../src/runner/peer-fetch.ts';
import { runStep, runTask } from '../../../src/runner/run.ts';
import { task, type RunEvent, type Step, type TaskContext } from '../../../src/runner/types.ts';
import { createFakeTransport, type FakeHandler, type FakeTransport } from '../../../src/ssh/fake.ts';
import { host, inventory } from '../render/fixtures.ts';

const SUM = 'a'.repeat(64);
const hosts = [host('lb1', '10.0.0.11'), host('lb2', '10.0.0.12'), host('lb3', '10.0.0.13')];
const inv = inventory({ hosts });
const BIN = '/opt/envoy-k8s-proxy/releases/1.35.0/envoy';
const OFFER = { arch: 'x86_64' as const, file: BIN, urlPath: '/envoy-1.35.0-linux-x86_64' };
const URL = 'http://10.0.0.11:9904/envoy-1.35.0-linux-x86_64';
/** The control machine's copy of the release: 1000 bytes. */
const LOCAL = join(mkdtempSync(join(tmpdir(), 'ekp-peer-fetch-')), 'envoy-1.35.0-linux-x86_64');
writeFileSync(LOCAL, Buffer.alloc(1000, 1));

function fleet(handlers: Record<string, FakeHandler> = {}, now = () => 0) {
  const ts = new Map<string, FakeTransport>(
    hosts.map((h) => [h.name, createFakeTransport(h.name, handlers[h.name] ?? (() => ({})))]),
  );
  const conns = new Connections(async (h) => ts.get(h.name)!);
  const notes: RunEvent[] = [];
  const peers = new PeerFetch(inv, hosts, { runId: '0123abcd', now, lifetimeSec: 1800 });
  peers.attach(conns, (e) => notes.push(e));
  return { peers, ts, notes, starts: () => ts.get('lb1')!.calls.filter((c) => c.kind === 'exec').length };
}

describe('PeerFetch', () => {
  it("the gated batches move the seed to its subnet's earliest batch: new hosts before a serving one", async () => {
    const { peers } = fleet();
    expect(peers.role('lb1')).toMatchObject({ kind: 'seed' });
    // lb2 and lb3 are fresh (batch 1, together); lb1 serves and comes after them
    peers.event({ kind: 'batches', hosts: [['lb2', 'lb3'], ['lb1']] });
    expect(peers.role('lb2')).toEqual({ kind: 'seed', address: '10.0.0.12', peers: ['lb3', 'lb1'] });
    expect(peers.role('lb3')).toEqual({ kind: 'peer', seed: 'lb2', address: '10.0.0.12' });
    expect(peers.role('lb1')).toEqual({ kind: 'peer', seed: 'lb2', address: '10.0.0.12' });
    // lb3 no longer waits for lb1, which has not run: lb2's offer serves it
    const src = peers.source('lb3', 'x86_64');
    peers.offer('lb2', { ...OFFER });
    expect(await src).toEqual({ seed: 'lb2', url: 'http://10.0.0.12:9904/envoy-1.35.0-linux-x86_64' });
    // the former seed's own offer (its release plan, later) changes nothing
    peers.offer('lb1', OFFER);
    await peers.close();
  });

  it('a seed that offered before the batches (no changes, release in place) stays the seed', async () => {
    const { peers } = fleet();
    peers.offer('lb1', OFFER);
    peers.event({ kind: 'batches', hosts: [['lb2', 'lb3']] });
    expect(peers.role('lb2')).toEqual({ kind: 'peer', seed: 'lb1', address: '10.0.0.11' });
    expect(await peers.source('lb3', 'x86_64')).toEqual({ seed: 'lb1', url: URL });
    await peers.close();
  });

  it('a peer waits for the offer; one server for every peer, started on the seed and stopped at the end', async () => {
    const { peers, ts, notes, starts } = fleet();
    const a = peers.source('lb2', 'x86_64');
    const b = peers.source('lb3', 'x86_64');
    await Promise.resolve();
    expect(starts()).toBe(0); // nothing starts before the seed has the release
    peers.offer('lb1', OFFER);
    expect(await a).toEqual({ seed: 'lb1', url: URL });
    expect(await b).toEqual({ seed: 'lb1', url: URL });
    const seed = ts.get('lb1')!;
    expect(seed.calls).toHaveLength(1);
    expect(seed.calls[0]).toMatchObject({ kind: 'exec', command: ['sh', '-s'] });
    expect((seed.calls[0] as { stdin: string }).stdin).toContain('--unit ekp-seed-0123abcd');
    expect(notes).toEqual([
      { kind: 'note', host: 'lb1', message: `serves the release to its peers at ${URL} (ekp-seed-0123abcd)` },
    ]);
    await peers.close();
    expect(seed.commands.at(-1)).toContain('systemctl stop ekp-seed-0123abcd.service');
    expect(ts.get('lb2')!.calls).toEqual([]);
  });

  it('a seed that installed the release in this run starts serving at once; peers reuse that server', async () => {
    const { peers, starts } = fleet();
    peers.offer('lb1', OFFER, { serve: true });
    await new Promise((r) => setTimeout(r, 0));
    expect(starts()).toBe(1);
    expect(await peers.source('lb2', 'x86_64')).toEqual({ seed: 'lb1', url: URL });
    expect(starts()).toBe(1);
  });

  it.each<[string, RunEvent, string]>([
    [
      'a failed task',
      { kind: 'task', result: { host: 'lb1', role: 'r', task: 't', status: 'failed', error: 'lb1: disk full', ms: 1 } },
      'lb1 cannot serve it: its run failed before it had the release (lb1: disk full)',
    ],
    [
      'its run ending',
      { kind: 'host-done', host: 'lb1', failed: false, unreachable: true },
      'lb1 cannot serve it: its run ended before it had the release',
    ],
  ])('a seed that fails before its offer (%s) sends its peers to the control machine', async (_what, e, reason) => {
    const { peers, starts } = fleet();
    const a = peers.source('lb2', 'x86_64');
    peers.event({ kind: 'task', result: { host: 'lb2', role: 'r', task: 't', status: 'failed', ms: 1 } });
    peers.event(e);
    expect(await a).toEqual({ seed: 'lb1', reason });
    peers.offer('lb1', OFFER); // too late: nothing changes
    expect(await peers.source('lb3', 'x86_64')).toEqual({ seed: 'lb1', reason });
    expect(starts()).toBe(0);
  });

  it('a server that does not start: the reason, and the unit is still stopped at the end', async () => {
    const { peers, ts } = fleet({ lb1: () => ({ code: 1, stderr: 'no answer on 10.0.0.11:9904: Address in use\n' }) });
    peers.offer('lb1', OFFER);
    expect(await peers.source('lb2', 'x86_64')).toEqual({
      seed: 'lb1',
      reason: 'lb1 cannot serve it: no answer on 10.0.0.11:9904: Address in use',
    });
    await peers.close();
    expect(ts.get('lb1')!.commands.at(-1)).toContain('systemctl stop ekp-seed-0123abcd.service');
  });

  it('another arch than the seed has: the control machine uploads', async () => {
    const { peers } = fleet();
    peers.offer('lb1', OFFER);
    expect(await peers.source('lb2', 'aarch_64')).toEqual({ seed: 'lb1', reason: 'lb1 has the x86_64 release' });
  });

  it('a server near its RuntimeMaxSec is replaced by a new unit', async () => {
    let t = 0;
    const { peers, ts } = fleet({}, () => t);
    peers.offer('lb1', OFFER);
    await peers.source('lb2', 'x86_64');
    t = 1201_000;
    await peers.source('lb3', 'x86_64');
    const stdins = ts.get('lb1')!.calls.map((c) => ('stdin' in c ? c.stdin : ''));
    expect(stdins[1]).toContain('--unit ekp-seed-0123abcd-1');
    await peers.close();
    expect(ts.get('lb1')!.commands.slice(-2).sort()).toEqual([
      expect.stringContaining('stop ekp-seed-0123abcd-1.service'),
      expect.stringContaining('stop ekp-seed-0123abcd.service'),
    ]);
  });
});

/** The release module on `h`, facts: an x86_64 host without the release. */
async function install(peers: PeerFetch, h: HostSpec, handler: FakeHandler) {
  const module = release({
    installDir: '/opt/envoy-k8s-proxy',
    version: '1.35.0',
    expected: () => SUM,
    source: { mode: 'control', local: async () => LOCAL, peers },
  });
  const values: Record<string, unknown> = {
    'os:machine': 'x86_64',
    [`release:${BIN}`]: { type: 'absent' },
  };
  const facts: Facts = { get: <T>(spec: FactSpec<T>) => values[spec.key] as T };
  const t = createFakeTransport(h.name, handler);
  const ctx: TaskContext = { inv, host: h, facts, check: false, diff: false, changed: new Set() };
  const { result } = await runTask('envoy_binary', task('binary', module), ctx, t, {});
  return { result, t };
}

describe('release module with peers', () => {
  const steps = (t: FakeTransport) =>
    t.calls.map((c) =>
      c.kind === 'put' ? 'put' : c.kind === 'exec' && c.line.includes('curl -fsS') ? 'curl' : 'exec',
    );

  it('the seed serves the release as it arrives: offered before the upload, readable by the server', async () => {
    const { peers, ts, starts } = fleet();
    const { result, t } = await install(peers, hosts[0]!, () => ({}));
    expect(steps(t)).toEqual(['exec', 'put', 'exec']);
    expect(t.calls[1]).toMatchObject({
      kind: 'put',
      remotePath: `${BIN.replace(/envoy$/, '.envoy.ekp-upload')}`,
      mode: 0o644,
    });
    expect(result.message).toBe(
      'install 1.35.0 (x86_64); uploaded from the control machine; serves it to lb2, lb3 as it arrives',
    );
    expect(await peers.source('lb2', 'x86_64')).toEqual({ seed: 'lb1', url: URL });
    expect(starts()).toBe(1); // the verified offer after the upload keeps that server
    // its handler waits for the temp name, serves 1000 bytes from it, or from the final name
    const start = ts.get('lb1')!.calls.find((c) => c.kind === 'exec')!;
    expect(start.stdin).toContain('size=1000');
    expect(start.stdin).toContain('.envoy.ekp-upload');
  });

  it('a seed whose run fails while the release arrives: its offer is withdrawn and its server stopped', async () => {
    const { peers, ts } = fleet();
    await install(peers, hosts[0]!, (line, stdin) =>
      (stdin ?? '').includes('set -u\nwant=') ? { code: 1, stderr: 'disk full' } : {},
    );
    peers.event({
      kind: 'task',
      result: { host: 'lb1', role: 'envoy_binary', task: 'binary', status: 'failed', error: 'disk full', ms: 1 },
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(await peers.source('lb2', 'x86_64')).toEqual({
      seed: 'lb1',
      reason: 'lb1 cannot serve it: its run failed while the release was arriving (disk full)',
    });
    expect(ts.get('lb1')!.commands.some((c) => c.includes('systemctl stop ekp-seed-0123abcd.service'))).toBe(true);
  });

  it('a seed that verified what arrived keeps serving when a later task fails', async () => {
    const { peers } = fleet();
    await install(peers, hosts[0]!, () => ({}));
    peers.event({
      kind: 'task',
      result: { host: 'lb1', role: 'envoy_config', task: 'config', status: 'failed', error: 'x', ms: 1 },
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(await peers.source('lb2', 'x86_64')).toEqual({ seed: 'lb1', url: URL });
  });

  it('a peer fetches from its seed and verifies: no upload', async () => {
    const { peers } = fleet();
    peers.offer('lb1', OFFER);
    const { result, t } = await install(peers, hosts[1]!, () => ({}));
    expect(result.status).toBe('changed');
    expect(result.message).toBe('install 1.35.0 (x86_64); fetched from lb1, sha256 verified');
    expect(steps(t)).toEqual(['exec', 'curl', 'exec']);
    expect(t.commands[1]).toContain(`${URL} ||`);
    expect(t.commands[1]).toContain('tee /opt/envoy-k8s-proxy/releases/1.35.0/.envoy.ekp-upload ||');
  });

  it.each([
    [
      'unreachable',
      /curl -fsS/,
      'curl: (7) Failed to connect to 10.0.0.11 port 9904',
      'fetch Envoy 1.35.0 from lb1',
      ['exec', 'curl', 'exec', 'put', 'exec'],
    ],
    [
      'serving another file',
      /set -u/,
      'checksum mismatch: expected sha256 aaa, got bbb; the file was deleted',
      'verify and install Envoy 1.35.0',
      ['exec', 'curl', 'exec', 'exec', 'put', 'exec'],
    ],
  ])(
    'a seed %s: refused, then uploaded from the control machine, and the run says so',
    async (_w, fails, err, action, want) => {
      const { peers } = fleet();
      peers.offer('lb1', OFFER);
      let failed = false;
      const { result, t } = await install(peers, hosts[2]!, (line, stdin) => {
        if (failed || !fails.test(`${line}\n${stdin ?? ''}`)) return {};
        failed = true;
        return { code: 1, stderr: err };
      });
      expect(result.status, result.error).toBe('changed');
      expect(steps(t)).toEqual(want);
      expect(result.message).toBe(
        `install 1.35.0 (x86_64); uploaded from the control machine: the copy from lb1 failed (unable to ${action}: ${err})`,
      );
    },
  );

  it('a seed that failed: uploaded from the control machine, without trying the seed', async () => {
    const { peers } = fleet();
    peers.event({ kind: 'host-done', host: 'lb1', failed: true, unreachable: false });
    const { result, t } = await install(peers, hosts[1]!, () => ({}));
    expect(steps(t)).toEqual(['exec', 'put', 'exec']);
    expect(result.message).toBe(
      'install 1.35.0 (x86_64); uploaded from the control machine: lb1 cannot serve it: its run ended before it had the release',
    );
  });
});

describe('runStep: fallback and note', () => {
  const failing = (line: string) => (line.includes('first') ? { code: 1, stderr: 'no route' } : {});
  const steps = (): Step[] => [
    {
      kind: 'fallback',
      action: 'try first',
      steps: [{ kind: 'exec', action: 'run first', command: 'first' }],
      otherwise: (why) => [
        { kind: 'exec', action: 'run second', command: 'second' },
        { kind: 'note', action: 'say why', message: `second because: ${why}` },
      ],
    },
  ];

  it('a failed step runs what `otherwise` says, given why; notes are collected', async () => {
    const t = createFakeTransport('lb1', failing);
    const notes: string[] = [];
    for (const s of steps()) await runStep(s, t, 'lb1', undefined, notes);
    expect(t.commands).toEqual([expect.stringContaining('first'), expect.stringContaining('second')]);
    expect(notes).toEqual(['second because: unable to run first: no route']);
  });

  it('Ctrl-C is never a reason to fall back', async () => {
    const ctl = new AbortController();
    const t = createFakeTransport('lb1', (line) => (ctl.abort(), failing(line)));
    await expect(runStep(steps()[0]!, t, 'lb1', ctl.signal)).rejects.toThrow(/interrupted/);
    expect(t.commands).toHaveLength(1);
  });
});
