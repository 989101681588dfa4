// One config file at a time: the bootstrap is a Bootstrap; lds/cds/eds files are what Envoy's
// path_config_source reads, a DiscoveryResponse-shaped `{version_info?, resources: [Any...]}`.
import type { Problem } from '../errors.ts';
import { isPlainObject } from './scalars.ts';
import { validateMessage, type ValidateContext } from './strict.ts';

export type DocumentKind = 'bootstrap' | 'lds' | 'cds' | 'eds';

export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';
const DISCOVERY_RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

/** The one resource type each xDS file may hold. */
export const RESOURCE_TYPES: Record<Exclude<DocumentKind, 'bootstrap'>, string> = {
  lds: 'envoy.config.listener.v3.Listener',
  cds: 'envoy.config.cluster.v3.Cluster',
  eds: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
};

export const typeUrl = (fullName: string): string => `type.googleapis.com/${fullName}`;

export interface DocumentOptions {
  deprecated?: ValidateContext['deprecated'];
}

/** Every problem of one parsed config file (`file` names it in the problems). */
export function validateDocument(
  kind: DocumentKind,
  doc: unknown,
  file: string,
  opts: DocumentOptions = {},
): Problem[] {
  const ctx: ValidateContext = { file, deprecated: opts.deprecated };
  if (kind === 'bootstrap') return validateMessage(BOOTSTRAP_TYPE, doc, ctx);
  if (!isPlainObject(doc)) {
    return [
      {
        file,
        path: '',
        message: `expected an object with "resources" (a ${kind.toUpperCase()} file), got ${doc === null || doc === undefined ? 'an empty document' : typeof doc}`,
      },
    ];
  }
  const problems = validateMessage(DISCOVERY_RESPONSE, doc, ctx);
  const expected = RESOURCE_TYPES[kind];
  if (!('resources' in doc))
    problems.push({
      file,
      path: 'resources',
      message: `missing: a ${kind.toUpperCase()} file lists its ${expected.split('.').pop()} resources here`,
    });
  const resources = Array.isArray(doc.resources) ? doc.resources : [];
  resources.forEach((r, i) => {
    const url = isPlainObject(r) ? r['@type'] : undefined;
    if (typeof url === 'string' && url.slice(url.lastIndexOf('/') + 1) !== expected) {
      problems.push({
        file,
        path: `resources[${i}].@type`,
        message: `a ${kind.toUpperCase()} file holds only ${typeUrl(expected)}, got ${url}`,
      });
    }
  });
  const declared = doc.type_url;
  if (typeof declared === 'string' && declared !== typeUrl(expected)) {
    problems.push({
      file,
      path: 'type_url',
      message: `must be ${typeUrl(expected)} in a ${kind.toUpperCase()} file, got ${declared}`,
    });
  }
  return problems;
}
