// From the LB host itself: can each API-server endpoint be reached (TCP), does TLS complete, and
// does the health path answer 200 ok — with the reason when not, and what to change.
import type { ClusterSpec, Inventory } from '../inventory/types.ts';
import type { EndpointProbe } from './parse-curl.ts';
import { endpointKey, type EndpointTarget } from './probes.ts';
import { check, type Check } from './types.ts';

export function endpointTargets(inv: Inventory): EndpointTarget[] {
  return inv.clusters.flatMap((cluster) => cluster.endpoints.map((endpoint) => ({ cluster, endpoint })));
}

function tcpFix(ep: string, host: string): string {
  return `is the API server on ${ep} running and listening? From ${host}, check routing and firewalls to it; Envoy's health check fails the same way`;
}

export function checkEndpoint(t: EndpointTarget, p: EndpointProbe, hostName: string): Check {
  const ep = endpointKey(t.endpoint);
  const id = `endpoint:${t.cluster.name}:${ep}`;
  const title = `endpoint ${ep}`;
  if (p.tcp && !p.tcp.ok) {
    return check(id, title, 'fail', `TCP connect failed after ${p.tcp.ms} ms: ${p.tcp.error}`, {
      fix: tcpFix(ep, hostName),
    });
  }
  const h = p.http;
  // curl's own connect time is the precise one; bash's includes starting bash
  const tcp = h && h.connectMs > 0 ? `TCP ${h.connectMs} ms` : p.tcp ? `TCP ${p.tcp.ms} ms` : 'TCP ok';
  if (!h)
    return check(id, title, 'warn', `${tcp}; no TLS/HTTP result (is curl installed on ${hostName}?)`, {
      fix: 'install curl on the LB host to let doctor check TLS and the health path',
    });
  if (h.tlsMs === undefined) {
    const why = h.error ?? `curl exit code ${h.exit}`;
    if (h.connectMs === 0 && !p.tcp)
      return check(id, title, 'fail', `connect failed: ${why}`, { fix: tcpFix(ep, hostName) });
    return check(id, title, 'fail', `${tcp}, TLS handshake failed: ${why}`, {
      fix: `the port accepts TCP but TLS does not complete: is ${ep} the API server's secure port (not a plain HTTP one)? Envoy passes TLS through, so clients fail the same way`,
    });
  }
  const timing = `${tcp}, TLS ${h.tlsMs} ms`;
  const get = `GET ${t.cluster.healthCheck.path}`;
  if (h.status === 0)
    return check(id, title, 'fail', `${timing}, ${get} got no answer: ${h.error ?? `curl exit code ${h.exit}`}`, {
      fix: `the API server accepted TLS but did not answer within the timeout: check its load and logs`,
    });
  if (h.status === 401 || h.status === 403) return authCheck(id, title, t.cluster, `${timing}, ${get} ${h.status}`);
  if (h.status === 200) {
    const ok = h.body.trim() === 'ok';
    return check(
      id,
      title,
      ok ? 'ok' : 'warn',
      `${timing}, ${get} 200 ${JSON.stringify(firstLine(h.body))} (${h.totalMs} ms total)`,
      { fix: `expected the body "ok": is ${ep} a kube-apiserver?` },
    );
  }
  return check(id, title, 'fail', `${timing}, ${get} ${h.status}: ${firstLine(h.body) || 'no body'}`, {
    fix: `the API server says it is not ready: check it with \`kubectl get --raw '${t.cluster.healthCheck.path}?verbose'\` and its logs`,
  });
}

/** 401/403 on /readyz: anonymous auth is off. Fatal only when Envoy health-checks that path. */
function authCheck(id: string, title: string, c: ClusterSpec, seen: string): Check {
  const why = 'anonymous auth is off on the API server';
  if (c.healthCheck.type === 'tcp')
    return check(id, title, 'ok', `${seen} (${why}; cluster ${c.name} uses a TCP health check)`);
  return check(id, title, 'fail', `${seen}: ${why}, so Envoy's HTTPS health check marks this endpoint unhealthy`, {
    fix: `set healthCheck.type: tcp for cluster ${c.name} in the inventory and deploy, or allow anonymous GET ${c.healthCheck.path} on the API server`,
  });
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.slice(0, 120) ?? '';
}
