// The npm package works outside the checkout: packed, installed into an empty directory with
// `npm i --offline` (the runtime dependencies come from npm's cache, warmed by scripts/setup.sh),
// and run from there. It ships the bundle but no tests, lab or sources, needs no build tool at
// run time, and keeps the release lockfile beside the inventory, never inside itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const checkout = join(import.meta.dirname, '../../..');
const tmp = mkdtempSync(join(tmpdir(), 'ekp-pack-'));
const pkgJson = JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
// none of the tool's own variables (EKP_LOCKFILE would move the lockfile) reach the installed CLI
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EKP_')));

let files: string[] = [];
let installed = '';

/** Every file under `dir` with its size and mtime, to show nothing was written there. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile())
    .map((p) => `${relative(dir, p)} ${statSync(p).size} ${statSync(p).mtimeMs}`)
    .sort();
}

beforeAll(() => {
  execFileSync('pnpm', ['run', 'build'], { cwd: checkout, env, stdio: 'ignore' });
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
    cwd: checkout,
    env,
    encoding: 'utf8',
  });
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  files = info!.files.map((f) => f.path);
  const app = join(tmp, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), '{"name": "app", "private": true}\n');
  const r = spawnSync('npm', ['i', join(tmp, info!.filename), '--offline', '--no-audit', '--no-fund'], {
    cwd: app,
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(
      `npm i --offline failed (run scripts/setup.sh to warm npm's cache with the runtime dependencies):\n${r.stderr}`,
    );
  installed = join(app, 'node_modules', 'envoy-k8s-proxy');
}, 300_000);

describe('npm pack', () => {
  it('ships the bin, the bundle, the script entries and the schema; no tests, lab, sources or lockfile', () => {
    expect(files).toEqual(
      expect.arrayContaining(['bin/envoy-k8s-proxy.js', 'bin/load-cli.js', 'dist/cli.mjs', 'package.json']),
    );
    expect(files).toContain('schema/inventory.schema.json');
    for (const f of files) expect(f).not.toMatch(/^(test|src|roles|files|hosts|docs|monitoring|\.lab|\.ci)\//);
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it('build tools and the lab are not runtime dependencies; the bundle imports only what is', () => {
    for (const dev of ['esbuild', 'tsx', 'zx', 'vitest', 'typescript'])
      expect(Object.keys(pkgJson.dependencies)).not.toContain(dev);
    const bundle = readFileSync(join(checkout, 'dist/cli.mjs'), 'utf8');
    const imported = new Set(
      // esbuild's ESM output: static imports at the start of a line, dynamic import("x")
      [...bundle.matchAll(/^import\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gm)]
        .map((m) => (m[1] ?? m[2] ?? m[3])!)
        .filter((s) => !s.startsWith('.'))
        .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!)),
    );
    const allowed = new Set([...Object.keys(pkgJson.dependencies), ...builtinModules, 'node:*']);
    for (const m of imported) if (!m.startsWith('node:')) expect(allowed, m).toContain(m);
  });
});

describe('installed into an empty directory', () => {
  const cli = (args: string[], cwd: string) =>
    spawnSync(join(installed, '..', '.bin', 'envoy-k8s-proxy'), args, { cwd, env, encoding: 'utf8' });

  it('validate and render an inventory at an absolute path, from another directory', () => {
    const inv = join(tmp, 'inventories');
    execFileSync('mkdir', ['-p', inv, join(tmp, 'elsewhere')]);
    copyFileSync(join(checkout, 'hosts/prod.yaml'), join(inv, 'prod.yaml'));
    const before = snapshot(installed);

    const v = cli(['validate', '--hosts', join(inv, 'prod.yaml')], join(tmp, 'elsewhere'));
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
    expect(v.stdout).toContain(`${join(inv, 'prod.yaml')}: OK`);
    expect(v.stdout).toContain('x86_64 unknown (run download)');

    // the release lockfile is read beside the inventory
    const sha = 'a'.repeat(64);
    writeFileSync(join(inv, 'envoy-releases.lock.yaml'), `releases:\n  1.35.0:\n    x86_64: ${sha}\n`);
    expect(cli(['validate', '--hosts', join(inv, 'prod.yaml')], tmp).stdout).toContain('x86_64 from the lockfile');

    const out = join(tmp, 'rendered');
    const r = cli(['render', '--hosts', join(inv, 'prod.yaml'), '--out', out], tmp);
    expect(r.status).toBe(0);
    for (const host of ['lb1', 'lb2'])
      for (const f of ['envoy.yaml', 'lds.yaml', 'cds.yaml', 'envoy-k8s-proxy.service'])
        expect(existsSync(join(out, host, f)), `${host}/${f}`).toBe(true);

    expect(cli(['--version'], tmp).stdout.trim()).toBe(
      JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version,
    );
    expect(snapshot(installed)).toEqual(before);
  });

  it('bad input: exit 2 naming the file and key, from the installed bundle', () => {
    const bad = join(checkout, 'test/corpus/bad-inventories/dns-endpoint.yaml');
    const r = cli(['validate', '--hosts', bad], tmp);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}:5:32: clusters[0].endpoints[1]: expected IP:port`);
  });
});
