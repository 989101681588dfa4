// Drift: the config on the host compared with what the inventory renders now, file by file.
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { pathFact, globFact, type PathFact } from '../facts/file.ts';
import type { FactSpec } from '../facts/types.ts';
import { managedFiles, type Sandbox } from '../render/index.ts';
import { check, type Check } from './types.ts';
import { loadedProblem, type Loaded } from '../ops/loaded.ts';

export function configFacts(inv: Inventory, host: HostSpec): { files: FactSpec<PathFact>[]; eds: FactSpec<string[]> } {
  return {
    // the paths are the same for either sandbox
    files: managedFiles(inv, host, 'full').map((f) => pathFact(f.path)),
    eds: globFact(inv.paths.configDir, 'eds_', '.yaml'),
  };
}

/** One check naming every drifted, missing or stray file. */
export function checkConfig(
  inv: Inventory,
  host: HostSpec,
  sandbox: Sandbox,
  got: Map<string, PathFact>,
  edsOnHost: string[],
): Check {
  const want = managedFiles(inv, host, sandbox);
  const changed: string[] = [];
  const missing: string[] = [];
  for (const f of want) {
    const fact = got.get(f.path);
    if (!fact || fact.type !== 'file') missing.push(f.path);
    else if (fact.sha256 !== f.sha256) changed.push(f.path);
  }
  const wanted = new Set(want.map((f) => posix.basename(f.path)));
  const stray = edsOnHost.filter((n) => !wanted.has(n)).map((n) => posix.join(inv.paths.configDir, n));
  const details = [
    ...changed.map((p) => `differs from the rendered file: ${p}`),
    ...missing.map((p) => `missing: ${p}`),
    ...stray.map((p) => `not rendered by the inventory (stray endpoints file): ${p}`),
  ];
  if (details.length === 0)
    return check('config', 'config', 'ok', `${want.length} files match what ${inv.file} renders for ${host.name}`);
  const names = [...changed, ...missing, ...stray].map((p) => posix.basename(p));
  return check('config', 'config', 'fail', `drift in ${names.join(', ')}`, {
    details,
    fix: `see the difference with \`envoy-k8s-proxy plan --hosts ${inv.name} --limit ${host.name}\`; \`deploy\` puts the rendered files back (or update ${inv.file} if the host is right)`,
  });
}

/** What Envoy loaded versus the xDS files on disk (src/ops/loaded.ts). */
export function checkLoaded(inv: Inventory, host: HostSpec, l: Loaded): Check {
  const problem = loadedProblem(l);
  if (l.state === 'unknown')
    return check('loaded', 'loaded config', 'warn', 'Envoy did not answer: cannot tell what it has loaded');
  if (!problem) return check('loaded', 'loaded config', 'ok', 'Envoy serves the xDS files on disk');
  return check('loaded', 'loaded config', 'fail', problem, {
    details: [...l.rejected, ...l.pending].map((n) => posix.join(inv.paths.configDir, n)),
    fix: `\`envoy-k8s-proxy deploy --hosts ${inv.name} --limit ${host.name}\` puts the rendered files back and checks that Envoy loads them; the journal says why Envoy refused the file`,
  });
}
