// Inventory layering: `extends: base.yaml` names a base whose keys this file overrides (shared
// clusters and defaults in the base, per-environment hosts on top). Mappings merge key by key,
// lists of named entries (clusters, hosts) merge by name, anything else is replaced. Every node of
// the merged result remembers the file and key path it came from, so a problem names that file.
import { stringify } from 'yaml';
import { formatPath, type KeyPath, type Locator, type Position } from './locate.ts';

/** One parsed file of the chain. */
export interface Layer {
  /** As messages name it (relative to the working directory when inside it). */
  file: string;
  data: Record<string, unknown>;
  locator: Locator;
}

interface Origin {
  layer: number;
  path: KeyPath;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const named = (v: unknown): v is Record<string, unknown>[] =>
  Array.isArray(v) && v.every((e) => isMap(e) && typeof e.name === 'string');

/** The layers merged (later ones win), and a locator that answers with each key's own file. */
export function mergeLayers(layers: readonly Layer[]): { data: Record<string, unknown>; locator: LayeredLocator } {
  const origins = new Map<string, Origin>();
  const take = (value: unknown, at: KeyPath, layer: number, src: KeyPath): unknown => {
    origins.set(formatPath(at), { layer, path: src });
    if (isMap(value))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, take(v, [...at, k], layer, [...src, k])]));
    if (Array.isArray(value)) return value.map((v, i) => take(v, [...at, i], layer, [...src, i]));
    return value;
  };
  const merge = (base: unknown, over: unknown, at: KeyPath, layer: number, src: KeyPath, baseAt: KeyPath): unknown => {
    if (isMap(base) && isMap(over)) {
      origins.set(formatPath(at), { layer, path: src });
      const out: Record<string, unknown> = { ...base };
      for (const [k, v] of Object.entries(over))
        out[k] =
          k in base
            ? merge(base[k], v, [...at, k], layer, [...src, k], [...baseAt, k])
            : take(v, [...at, k], layer, [...src, k]);
      return out;
    }
    if (named(base) && named(over)) {
      origins.set(formatPath(at), { layer, path: src });
      const out: unknown[] = [...base];
      over.forEach((entry, i) => {
        const j = out.findIndex((e) => isMap(e) && e.name === entry.name);
        if (j < 0) out.push(take(entry, [...at, out.length], layer, [...src, i]));
        else out[j] = merge(out[j], entry, [...at, j], layer, [...src, i], [...baseAt, j]);
      });
      return out;
    }
    return take(over, at, layer, src);
  };
  let data = take(layers[0]!.data, [], 0, []) as Record<string, unknown>;
  for (let i = 1; i < layers.length; i++) data = merge(data, layers[i]!.data, [], i, [], []) as Record<string, unknown>;
  return { data, locator: new LayeredLocator(layers, origins) };
}

/** Finds a merged key path in the file that defined it (the nearest defined parent for a missing key). */
export class LayeredLocator {
  constructor(
    private readonly layers: readonly Layer[],
    private readonly origins: ReadonlyMap<string, Origin>,
  ) {}

  find(path: KeyPath, opts: { key?: boolean } = {}): (Position & { file: string }) | undefined {
    for (let n = path.length; n >= 0; n--) {
      const origin = this.origins.get(formatPath(path.slice(0, n)));
      if (!origin) continue;
      const layer = this.layers[origin.layer]!;
      const pos = layer.locator.find([...origin.path, ...path.slice(n)], opts);
      return pos && { ...pos, file: layer.file };
    }
    return undefined;
  }

  /** The file a key path's value came from. */
  fileOf(path: KeyPath): string {
    for (let n = path.length; n >= 0; n--) {
      const origin = this.origins.get(formatPath(path.slice(0, n)));
      if (origin) return this.layers[origin.layer]!.file;
    }
    return this.layers.at(-1)!.file;
  }
}

/** The merged, resolved inventory as YAML, for `render` to show what the layers add up to. */
export function mergedYaml(inv: object): string {
  return `# merged and resolved (every default filled in); durations in ms\n${stringify(inv)}`;
}
