// The gate's verdict over what a host shows: wait while Envoy settles or endpoints await their
// first health check, fail as soon as every endpoint of a cluster has been judged and too few
// passed, and count new connect failures for the soak.
import { describe, expect, it } from 'vitest';
import { judge, newConnectFailures, parseConnectFail, type GateView } from '../../../src/ops/gate-probe.ts';
import { parseClusters } from '../../../src/ops/admin.ts';
import type { Inventory } from '../../../src/inventory/types.ts';
import type { UnitFact } from '../../../src/facts/system.ts';

const inv = {
  clusters: [
    { name: 'a', endpoints: [{}, {}] },
    { name: 'b', endpoints: [{}] },
  ],
} as unknown as Inventory;
const view = (clusters: string, o: Partial<GateView> = {}): GateView => ({
  unit: { activeState: 'active' } as UnitFact,
  ready: { status: 200, body: 'LIVE\n' },
  listeners: ['listener_a', 'listener_b'],
  endpoints: parseClusters(clusters),
  connectFail: new Map(),
  ...o,
});
const ok =
  'a::10.0.0.1:6443::health_flags::healthy\na::10.0.0.2:6443::health_flags::healthy\nb::10.0.0.3:6443::health_flags::healthy\n';

describe('gate verdict', () => {
  it('passes a serving host with enough healthy endpoints', () => {
    expect(judge(inv, view(ok), 1)).toEqual({ state: 'ok', reason: 'listeners up, healthy endpoints a 2/2, b 1/1' });
  });

  it('waits while the unit, /ready or a listener is not there yet', () => {
    expect(judge(inv, view(ok, { unit: { activeState: 'activating' } as UnitFact }), 1).state).toBe('wait');
    expect(judge(inv, view(ok, { ready: { status: 503, body: 'PRE_INITIALIZING' } }), 1).state).toBe('wait');
    expect(judge(inv, view(ok, { listeners: ['listener_a'] }), 1)).toEqual({
      state: 'wait',
      reason: 'listener listener_b not up',
    });
  });

  it('waits for endpoints pending their first check, fails once all were judged', () => {
    const pending =
      'a::10.0.0.9:1::health_flags::/failed_active_hc/pending_active_hc\nb::10.0.0.3:6443::health_flags::healthy\n';
    expect(judge(inv, view(pending), 1).state).toBe('wait');
    const judged = 'a::10.0.0.9:1::health_flags::/failed_active_hc\nb::10.0.0.3:6443::health_flags::healthy\n';
    expect(judge(inv, view(judged), 1)).toEqual({
      state: 'fail',
      reason: 'cluster a has 0/1 healthy endpoints (need 1): 10.0.0.9:1 /failed_active_hc',
    });
  });

  it('counts new upstream connect failures over the inventory clusters only', () => {
    const before = view(ok, { connectFail: parseConnectFail('cluster.a.upstream_cx_connect_fail: 2\n') });
    const after = view(ok, {
      connectFail: parseConnectFail(
        'cluster.a.upstream_cx_connect_fail: 5\ncluster.b.upstream_cx_connect_fail: 1\ncluster.x.upstream_cx_connect_fail: 9\n',
      ),
    });
    expect(newConnectFailures(inv, before, after)).toBe(4);
  });
});
