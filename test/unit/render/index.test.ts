// Pins the public surface of src/render: a change here is a change for every caller.

import { describe, expect, it } from 'vitest';
import * as render from '../../../src/render/index.ts';
import { duration } from '../../../src/render/duration.ts';

describe('src/render public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(render).sort()).toEqual(
      [
        'CONFIG_FILE_MODE',
        'FULL_ONLY',
        'LOGROTATE_MODE',
        'LOGROTATE_PATH',
        'PROMETHEUS_PATH',
        'SANDBOX_MARKER',
        'TCP_LOG_FORMAT',
        'UNIT_FILE_MODE',
        'UNIT_NAME',
        'UNIT_PATH',
        'adminLogPath',
        'adminUrl',
        'edsFileName',
        'listenerName',
        'logFiles',
        'managedFiles',
        'metricsAddress',
        'renderConfigFiles',
        'renderLogrotate',
        'renderResources',
        'renderUnit',
        'sandboxFor',
        'subscriptionOf',
        'toYaml',
      ].sort(),
    );
  });

  it('toYaml writes the header only when told where the document came from', () => {
    expect(render.toYaml({ a: 1 })).toBe('a: 1\n');
    expect(render.toYaml({ a: 1 }, { inventory: 'lab', host: 'h1' })).toBe(
      '# Rendered by envoy-k8s-proxy for h1: do not edit, the next deploy overwrites it\na: 1\n',
    );
  });

  it('toYaml never emits anchors for shared objects', () => {
    const shared = { x: 1 };
    expect(render.toYaml({ a: shared, b: shared })).toBe('a:\n  x: 1\nb:\n  x: 1\n');
  });

  it('formats durations', () => {
    expect([0, 1, 250, 1000, 1500, 3_600_000].map(duration)).toEqual([
      '0s',
      '0.001s',
      '0.250s',
      '1s',
      '1.500s',
      '3600s',
    ]);
    expect(() => duration(-1)).toThrow(RangeError);
    expect(() => duration(1.5)).toThrow(RangeError);
  });
});
