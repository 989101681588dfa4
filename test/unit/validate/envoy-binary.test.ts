// runEnvoyValidate against stand-in executables: argv, exit codes, missing binary, timeout.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEnvoyValidate } from '../../../src/validate/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'ekp-envoy-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

describe('runEnvoyValidate', () => {
  it('passes --mode validate -c <path> as separate arguments and reports success', async () => {
    const envoy = script('ok', 'printf "%s|" "$@"; echo; echo "configuration \'$4\' OK"');
    const r = await runEnvoyValidate(envoy, '/etc/envoy k8s/envoy.yaml');
    expect(r.ok).toBe(true);
    expect(r.output).toContain('--mode|validate|-c|/etc/envoy k8s/envoy.yaml|');
    expect(r.output).toContain("configuration '/etc/envoy k8s/envoy.yaml' OK");
  });

  it('returns ok false with stdout and stderr on a non-zero exit', async () => {
    const envoy = script(
      'bad',
      'echo "loading"; echo "Protobuf message (type envoy.config.bootstrap.v3.Bootstrap) has unknown fields" >&2; exit 1',
    );
    const r = await runEnvoyValidate(envoy, 'envoy.yaml');
    expect(r.ok).toBe(false);
    expect(r.output).toContain('loading');
    expect(r.output).toContain('has unknown fields');
  });

  it('says so when the binary is missing', async () => {
    const r = await runEnvoyValidate(join(dir, 'nope'), 'envoy.yaml');
    expect(r).toEqual({ ok: false, output: `${join(dir, 'nope')}: no such file` });
  });

  it('gives up after the timeout', async () => {
    const envoy = script('hang', 'exec sleep 5');
    const r = await runEnvoyValidate(envoy, 'envoy.yaml', { timeoutMs: 200 });
    expect(r.ok).toBe(false);
    expect(r.output).toContain('timed out after 0.2 s');
  });
});
