// The six defects of the original hand-written config, as checks over rendered output.

import { parse } from 'yaml';
import { expect } from 'vitest';
import type { RenderedFile } from '../../../src/render/index.ts';

type Doc = Record<string, any>;

export function parseFiles(files: RenderedFile[]): Map<string, Doc> {
  return new Map(files.filter((f) => f.name.endsWith('.yaml')).map((f) => [f.name, parse(f.content) as Doc]));
}

/** Every object anywhere inside `node`, depth-first. */
export function* objects(node: unknown): Generator<Doc> {
  if (Array.isArray(node)) for (const x of node) yield* objects(x);
  else if (node && typeof node === 'object') {
    yield node as Doc;
    for (const v of Object.values(node)) yield* objects(v);
  }
}

export function assertNoDefects(files: RenderedFile[]): void {
  const docs = parseFiles(files);
  const all = files.map((f) => f.content).join('\n');
  const bootstrap = docs.get('envoy.yaml')!;
  const cds = docs.get('cds.yaml')!;

  // 1. health_checker is a oneof: exactly one checker per entry.
  for (const cluster of cds.resources as Doc[]) {
    for (const hc of cluster.health_checks as Doc[]) {
      const checkers = ['http_health_check', 'tcp_health_check', 'grpc_health_check', 'custom_health_check'].filter(
        (k) => k in hc,
      );
      expect(checkers, `${cluster.name}: health checkers`).toHaveLength(1);
      // 2. readyz over TLS via the health-check-only transport socket; never /healthz.
      if (hc.http_health_check) {
        expect(hc.http_health_check.path).not.toMatch(/healthz/);
        expect(hc.transport_socket_match_criteria).toEqual({ health_check_tls: true });
        const match = (cluster.transport_socket_matches as Doc[]).find((m) => m.name === 'health_check_tls');
        expect(match?.match).toEqual(hc.transport_socket_match_criteria);
        expect(match?.transport_socket.name).toBe('envoy.transport_sockets.tls');
      }
    }
    // The data path stays raw TCP: default socket raw_buffer, no empty (match-all) match.
    expect(cluster.transport_socket.name).toBe('envoy.transport_sockets.raw_buffer');
    for (const m of (cluster.transport_socket_matches ?? []) as Doc[])
      expect(Object.keys(m.match ?? {})).not.toHaveLength(0);
  }
  // The upstream checks never use /healthz; envoy.yaml's own health listener serves that path.
  expect(files.filter((f) => f.name !== 'envoy.yaml').map((f) => f.content)).not.toContainEqual(
    expect.stringMatching(/\/healthz/),
  );
  // 3 and 4. Fields that do not exist where the original put them.
  for (const o of objects([...docs.values()])) {
    expect(o).not.toHaveProperty('min_health_percent');
    expect(o).not.toHaveProperty('retry_policy');
    expect(o).not.toHaveProperty('consecutive_5xx');
    expect(o).not.toHaveProperty('access_log_path');
  }
  for (const cluster of cds.resources as Doc[]) {
    if (cluster.outlier_detection) {
      expect(cluster.outlier_detection.split_external_local_origin_errors).toBe(true);
      expect(cluster.outlier_detection.consecutive_local_origin_failure).toBeGreaterThan(0);
    }
  }
  // 5. Admin on loopback only, logging through access_log.
  expect(['127.0.0.1', '::1']).toContain(bootstrap.admin.address.socket_address.address);
  expect(bootstrap.admin.access_log).toHaveLength(1);
  // 6. No HTTP command operators in any log format.
  expect(all).not.toMatch(/%REQ\(|%RESP\(|%RESPONSE_CODE%|%PROTOCOL%/);
}
