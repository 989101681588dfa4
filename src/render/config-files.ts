// The Envoy config set for one host: documents first, then the files written from them.

import type { HostSpec, Inventory } from '../inventory/types.ts';
import { renderBootstrap } from './bootstrap.ts';
import { edsFileName, renderCds } from './cluster.ts';
import { renderEds } from './endpoints.ts';
import { renderLds } from './listener.ts';
import type { EnvoyResources, RenderOptions, RenderedFile } from './types.ts';
import { toYaml } from './yaml.ts';
import { versioned } from './xds-version.ts';

/** Config files hold no secrets but are readable by the envoy group only. */
export const CONFIG_FILE_MODE = 0o640;

export function renderResources(inv: Inventory, host: HostSpec, opts: RenderOptions = {}): EnvoyResources {
  const configDir = opts.configDir ?? inv.paths.configDir;
  const eds: Record<string, Record<string, unknown>> = {};
  for (const cluster of inv.clusters) eds[cluster.name] = renderEds(host, cluster);
  return {
    bootstrap: renderBootstrap(inv, host, configDir),
    lds: renderLds(inv, host),
    cds: renderCds(inv, configDir),
    eds,
  };
}

/** envoy.yaml, lds.yaml, cds.yaml, then eds_<cluster>.yaml in inventory order. */
export function renderConfigFiles(inv: Inventory, host: HostSpec, opts: RenderOptions = {}): RenderedFile[] {
  const res = renderResources(inv, host, opts);
  const origin = { inventory: inv.name, host: host.name };
  const file = (name: string, doc: Record<string, unknown>): RenderedFile => ({
    name,
    content: toYaml(doc, origin),
    mode: CONFIG_FILE_MODE,
    ...(typeof doc.version_info === 'string' ? { version: doc.version_info } : {}),
  });
  return [
    file('envoy.yaml', res.bootstrap),
    file('lds.yaml', versioned(res.lds)),
    file('cds.yaml', versioned(res.cds)),
    ...inv.clusters.map((c) => file(edsFileName(c), versioned(res.eds[c.name]!))),
  ];
}
