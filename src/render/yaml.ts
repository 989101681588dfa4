// Stable YAML for Envoy: one fixed header, no timestamps, no anchors, no folded lines.

import { stringify } from 'yaml';

export interface Origin {
  inventory: string;
  host: string;
}

/**
 * Names the host only: the inventory's file name must not be part of the content, or the same
 * inventory under another name would change every file (and restart every host).
 */
export function header(origin: Origin): string {
  const clean = (s: string) => s.replace(/[\r\n]+/g, ' ');
  return `# Rendered by envoy-k8s-proxy for ${clean(origin.host)}: do not edit, the next deploy overwrites it\n`;
}

/**
 * Serialize `doc` deterministically (key order is the order the renderer built it in).
 * The YAML 1.1 schema makes the writer quote strings such as `on`, `yes` or `y`, which Envoy's
 * YAML reader would otherwise turn into booleans.
 */
export function toYaml(doc: unknown, origin?: Origin): string {
  const body = stringify(doc, {
    version: '1.1',
    lineWidth: 0,
    minContentWidth: 0,
    aliasDuplicateObjects: false,
  });
  return origin ? header(origin) + body : body;
}
