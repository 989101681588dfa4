// The original hand-written config is rejected for each of its defects; a known-good tree passes.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../src/errors.ts';
import { kindOfFile, loadProtos, validateDocument, validateTree, type TreeFile } from '../../../src/validate/index.ts';
import { lines, loadTree } from './helpers.ts';

function validateAll(files: TreeFile[], configDir?: string): Problem[] {
  const out = files.flatMap((f) => validateDocument(kindOfFile(f.name)!, f.doc, f.name));
  return [...out, ...validateTree(files, configDir ? { configDir } : {})];
}

describe('the original hand-written config', () => {
  const problems = lines(validateAll(loadTree('original')));
  const clusters = 'static_resources.clusters';

  it.each([
    [
      `${clusters}[0].health_checks[0]: http_health_check and tcp_health_check are both set, but they are one oneof "health_checker"`,
    ],
    [
      `${clusters}[1].health_checks[0]: http_health_check and tcp_health_check are both set, but they are one oneof "health_checker"`,
    ],
    [
      `${clusters}[0].outlier_detection.min_health_percent: unknown field (not in envoy.config.cluster.v3.OutlierDetection)`,
    ],
    [`${clusters}[0].retry_policy: unknown field (not in envoy.config.cluster.v3.Cluster)`],
    [`${clusters}[1].retry_policy: unknown field (not in envoy.config.cluster.v3.Cluster)`],
  ])('reports %s', (line) => {
    expect(problems).toContain(line);
  });

  it('reports the deprecated admin.access_log_path', () => {
    expect(problems.some((p) => p.startsWith('admin.access_log_path: deprecated field'))).toBe(true);
  });

  it('reports the admin listening on 0.0.0.0', () => {
    expect(problems.some((p) => p.startsWith('admin.address.socket_address.address: admin listens on 0.0.0.0'))).toBe(
      true,
    );
  });

  it('reports nothing else (the HTTP access-log operators are not a schema error)', () => {
    expect(problems).toHaveLength(8);
  });
});

describe('a known-good tree', () => {
  it('passes clean, per file and across files', () => {
    expect(lines(validateAll(loadTree('good'), '/etc/envoy-k8s-proxy'))).toEqual([]);
  });

  it('infers the config directory from the LDS path when none is given', () => {
    expect(lines(validateTree(loadTree('good')))).toEqual([]);
  });

  it('validates the whole tree well under 100 ms once the protos are loaded', () => {
    loadProtos();
    const tree = loadTree('good');
    validateAll(tree); // first walk wraps the reflected types it reaches
    const started = performance.now();
    validateAll(tree, '/etc/envoy-k8s-proxy');
    expect(performance.now() - started).toBeLessThan(100);
  });
});
