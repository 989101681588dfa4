// What Envoy itself says through its admin API (read-only GETs from the host's loopback), and the
// warnings the journal holds for the unit.
import { panicMessage } from '../ops/status.ts';
import type { Inventory } from '../inventory/types.ts';
import { parseClusters, type EndpointHealth } from '../ops/admin.ts';
import { listenerName, UNIT_NAME } from '../render/index.ts';
import type { AdminReply } from '../facts/admin.ts';
import type { JournalFact } from './probes.ts';
import { check, type Check } from './types.ts';

export interface AdminReplies {
  ready: AdminReply;
  clusters: AdminReply;
  listeners: AdminReply;
  stats: AdminReply;
}

export function checkAdmin(inv: Inventory, r: AdminReplies): Check[] {
  const where = `${inv.admin.address}:${inv.admin.port}`;
  if (r.ready.status === 0) {
    return [
      check('admin', 'admin api', 'fail', `no answer from ${where}: ${r.ready.error ?? 'nothing listening'}`, {
        fix: 'Envoy is not running or its admin listener failed: see the unit and journal lines',
      }),
    ];
  }
  const out: Check[] = [];
  const live = r.ready.status === 200 && r.ready.body.trim() === 'LIVE';
  out.push(
    check(
      'ready',
      'ready',
      live ? 'ok' : 'fail',
      `GET /ready ${r.ready.status} ${r.ready.body.trim().split('\n')[0] ?? ''}`.trim(),
      { fix: 'Envoy is still initializing or draining: wait a few seconds and run doctor again; see the journal' },
    ),
  );
  const stats = parseStats(r.stats.body);
  const health = parseClusters(r.clusters.body);
  for (const c of inv.clusters)
    out.push(
      clusterCheck(
        c.name,
        c.endpoints.length,
        health.filter((e) => e.cluster === c.name),
        stats,
        c.panicThresholdPercent > 0,
      ),
    );
  out.push(listenersCheck(inv, r.listeners));
  return out;
}

const FLAG_MEANING: Record<string, string> = {
  failed_active_hc: 'failing the active health check',
  failed_outlier_check: 'ejected by outlier detection (connect failures)',
  failed_eds_health: 'marked unhealthy in EDS',
  pending_active_hc: 'waiting for its first health check',
  pending_dynamic_removal: 'being removed',
  degraded_active_hc: 'degraded',
};

function describeFlags(flags: string): string {
  return flags
    .split('/')
    .filter(Boolean)
    .map((f) => FLAG_MEANING[f] ?? f)
    .join(', ');
}

function clusterCheck(
  name: string,
  expected: number,
  eps: EndpointHealth[],
  stats: Map<string, number>,
  failOpen: boolean,
): Check {
  const stat = (s: string) => stats.get(`cluster.${name}.${s}`) ?? 0;
  const healthy = eps.filter((e) => e.healthy).length;
  const counters = `connect failures ${stat('upstream_cx_connect_fail')}, timeouts ${stat('upstream_cx_connect_timeout')}, ejections active ${stat('outlier_detection.ejections_active')} (since start)`;
  const details = eps.map((e) => `${e.address}: ${e.healthy ? 'healthy' : `${e.flags} — ${describeFlags(e.flags)}`}`);
  const id = `cluster:${name}`;
  const title = `cluster ${name}`;
  if (eps.length === 0)
    return check(id, title, 'fail', `Envoy has no endpoints for ${name}`, {
      fix: 'the cluster or its eds file was not loaded: check the config drift line and the journal',
    });
  const summary = `${healthy}/${eps.length} endpoints healthy; ${counters}`;
  if (eps.length !== expected) details.push(`Envoy has ${eps.length} endpoint(s), the inventory ${expected}`);
  const fix = 'see the endpoint lines above for why; Envoy sends no traffic to an unhealthy endpoint';
  if (healthy === 0 && failOpen) {
    return check(id, title, 'fail', `${panicMessage(eps.length)}; ${counters}`, {
      details,
      fix: 'Envoy ignores health and balances over every endpoint, dead ones included; if the API servers are up, the health check itself is wrong (401/403 on /readyz: set healthCheck.type: tcp)',
    });
  }
  if (healthy === 0)
    return check(id, title, 'fail', summary, {
      details,
      fix: `no healthy endpoint: clients get their connections closed. ${fix}`,
    });
  if (healthy < eps.length || eps.length !== expected) return check(id, title, 'warn', summary, { details, fix });
  return check(id, title, 'ok', summary);
}

function listenersCheck(inv: Inventory, r: AdminReply): Check {
  const names = new Set<string>();
  try {
    const doc = JSON.parse(r.body) as { listener_statuses?: { name?: string }[] };
    for (const l of doc.listener_statuses ?? []) if (l.name) names.add(l.name);
  } catch {
    return check('listeners', 'listeners', 'warn', `GET /listeners answered ${r.status}, not JSON`, {
      fix: 'run `admin GET /listeners` to see it',
    });
  }
  const missing = inv.clusters.map(listenerName).filter((n) => !names.has(n));
  if (missing.length)
    return check('listeners', 'listeners', 'fail', `Envoy has not added ${missing.join(', ')}`, {
      fix: 'lds.yaml was not loaded: check the config drift line and the journal',
    });
  return check('listeners', 'listeners', 'ok', `${names.size} listener(s) active: ${[...names].join(', ')}`);
}

export function parseStats(body: string): Map<string, number> {
  const m = new Map<string, number>();
  try {
    const doc = JSON.parse(body) as { stats?: { name?: string; value?: number }[] };
    for (const s of doc.stats ?? []) if (s.name !== undefined && typeof s.value === 'number') m.set(s.name, s.value);
  } catch {
    // no stats: the counters read 0
  }
  return m;
}

export function checkJournal(j: JournalFact, active: boolean): Check {
  const fmt = (e: { ts: number; line: string }) => `${new Date(e.ts * 1000).toISOString().slice(0, 19)}Z ${e.line}`;
  // The old process's shutdown lines share the second the new one started in: tell them apart
  // by the syslog pid (`envoy[1234]:`); systemd's own lines (pid 1) about the unit count by time.
  const ofCurrent = (e: { ts: number; line: string }) => {
    const pid = Number(/\[(\d+)\]:/.exec(e.line)?.[1] ?? 0);
    const ours = j.pids.length ? j.pids.includes(pid) : pid === j.mainPid;
    return e.ts >= j.activeSince && (pid === 0 || pid === 1 || j.mainPid === 0 || ours);
  };
  const recent = active ? j.entries.filter(ofCurrent) : j.entries;
  const older = j.entries.length - recent.length;
  if (recent.length === 0)
    return check(
      'journal',
      'journal',
      'ok',
      `no warnings or errors${active ? ' since the service started' : ''}${older ? ` (${older} older)` : ''}`,
    );
  return check(
    'journal',
    'journal',
    'warn',
    `${recent.length} warning/error line(s)${active ? ' since the service started' : ''}`,
    {
      details: recent.map(fmt),
      fix: `more context: journalctl -u ${UNIT_NAME} -n 100`,
    },
  );
}
