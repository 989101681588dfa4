// validate --remote's host script, run here with sh against a fake envoy: a private mktemp
// directory with the rendered files pointing at each other, removed afterwards.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIR_PLACEHOLDER, validateOnHost, validateScript } from '../../../src/ops/validate-remote.ts';
import { cluster, host, inventory } from '../render/fixtures.ts';
import { localTransport } from '../runner/local-transport.ts';

// Prints where it ran and what envoy.yaml names; fails when a referenced file is missing.
const FAKE_ENVOY = `#!/bin/sh
c="$4"; d=$(dirname "$c")
echo "dir=$d mode=$(stat -c %a "$d")"
for f in $(grep -o '/[^ ]*\\.yaml' "$c"); do [ -f "$f" ] || { echo "missing $f"; exit 1; }; echo "ok $f"; done
`;

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'ekp-vr-'));
  mkdirSync(join(root, 'install', 'current'), { recursive: true });
  writeFileSync(join(root, 'install', 'current', 'envoy'), FAKE_ENVOY);
  chmodSync(join(root, 'install', 'current', 'envoy'), 0o755);
  const inv = inventory({
    clusters: [cluster('k8s', 6443, [{ host: '10.0.0.1', port: 6443 }])],
    hosts: [host('lb1', '10.0.0.11')],
    // a user that does not exist here: the script runs envoy as the login user
    paths: {
      installDir: join(root, 'install'),
      configDir: '/etc/envoy-k8s-proxy',
      logDir: '/var/log/envoy-k8s-proxy',
      user: 'ekp-no-such-user',
      group: 'ekp-no-such-user',
    },
  });
  return { inv, h: inv.hosts[0]! };
}

const ours = () => new Set(readdirSync('/tmp').filter((n) => n.startsWith('ekp-validate.')));

describe('validate --remote on the host', () => {
  it('validates in a fresh 0700 mktemp directory, with every reference rewritten, then removes it', async () => {
    const { inv, h } = setup();
    // the old predictable name, planted by someone else, is neither used nor touched
    const planted = `/tmp/.ekp-validate-${process.pid}-lb1`;
    const plant = !existsSync(planted);
    if (plant) symlinkSync('/nonexistent-target', planted);
    const r = await validateOnHost(localTransport(), inv, h).finally(() => plant && rmSync(planted));
    expect(r.ok).toBe(true);
    const dir = /^dir=(\/tmp\/ekp-validate\.[A-Za-z0-9]{10}) mode=700$/m.exec(r.output)?.[1];
    expect(dir, r.output).toBeDefined();
    expect(r.output).toContain(`ok ${dir}/lds.yaml`);
    expect(r.output).toContain(`ok ${dir}/cds.yaml`);
    expect(r.output).not.toContain(DIR_PLACEHOLDER);
    expect(existsSync(dir!)).toBe(false);
  });

  it('reports a missing envoy without creating anything', async () => {
    const { inv, h } = setup();
    const before = ours();
    const r = await validateOnHost(
      localTransport(),
      { ...inv, paths: { ...inv.paths, installDir: '/nonexistent' } },
      h,
    );
    expect(r).toEqual({
      ok: false,
      output: 'no envoy installed at /nonexistent/current/envoy (run install or deploy first)',
    });
    expect(ours()).toEqual(before);
  });

  it('removes the directory when envoy rejects the config', async () => {
    const { inv, h } = setup();
    writeFileSync(join(inv.paths.installDir, 'current', 'envoy'), '#!/bin/sh\necho "rejected $4"; exit 1\n');
    const r = await validateOnHost(localTransport(), inv, h);
    expect(r.ok).toBe(false);
    const dir = /^rejected (\/tmp\/ekp-validate\.[A-Za-z0-9]{10})\/envoy\.yaml$/.exec(r.output)?.[1];
    expect(dir, r.output).toBeDefined();
    // its own directory, not a count of /tmp: other processes on the machine validate too
    expect(existsSync(dir!)).toBe(false);
  });

  it('names no fixed path under /tmp', () => {
    const { inv, h } = setup();
    expect(validateScript(inv, h)).not.toMatch(/\/tmp\/\.ekp/);
  });
});
