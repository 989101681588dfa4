// version_info for the file-based xDS documents: a hash of their resources. Envoy's filesystem
// subscription publishes the version it accepted as the `version_text` stat of the subscription
// (source/extensions/config_subscription/filesystem/filesystem_subscription_impl.cc, refresh()),
// so a deploy can tell "loaded" from "still the old one" and status can compare loaded with rendered.
import { createHash } from 'node:crypto';
import type { ClusterSpec } from '../inventory/types.ts';
import { edsFileName } from './cluster.ts';

/** The document with a leading version_info derived from its resources only. */
export function versioned(doc: Record<string, unknown>): Record<string, unknown> {
  const v = createHash('sha256')
    .update(JSON.stringify(doc.resources ?? []))
    .digest('hex')
    .slice(0, 16);
  return { version_info: `r-${v}`, ...doc };
}

/** Which subscription loads a config file, by the stat prefix Envoy gives it; undefined: not xDS. */
export function subscriptionOf(file: string, clusters: ClusterSpec[]): string | undefined {
  if (file === 'lds.yaml') return 'listener_manager.lds';
  if (file === 'cds.yaml') return 'cluster_manager.cds';
  // EDS subscriptions live in the cluster's stats scope
  const c = clusters.find((x) => edsFileName(x) === file);
  return c ? `cluster.${c.name}` : undefined;
}
