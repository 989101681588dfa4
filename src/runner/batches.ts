// Rollout batches: `serial` hosts at a time (a count, or a percent of the hosts, at least one), or
// a list of such sizes taken in order, the last one repeated (Ansible's `serial: [1, "100%"]`: a
// canary, then the rest at once).

import type { Serial, SerialStep } from '../inventory/types.ts';

export type { Serial, SerialStep } from '../inventory/types.ts';

/** Every host at once: the batch a caller has formed already. */
export const ALL_AT_ONCE: SerialStep = { kind: 'percent', value: 100 };

export function batches<T>(items: T[], serial: Serial): T[][] {
  const steps: readonly SerialStep[] = Array.isArray(serial) ? serial : [serial as SerialStep];
  const size = (s: SerialStep) =>
    s.kind === 'count' ? s.value : Math.max(1, Math.floor((items.length * s.value) / 100));
  const out: T[][] = [];
  for (let i = 0; i < items.length;) {
    const n = size(steps[Math.min(out.length, steps.length - 1)]!);
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}

/** One gated batch: `fresh` when none of its hosts served before the run; `canary` for the first serving one. */
export interface GatedBatch<T> {
  items: T[];
  fresh: boolean;
  canary: boolean;
}

/**
 * A gated run's batches, in the items' order. Hosts that served nothing before the run take
 * nothing away, so they converge together in one batch; it goes first: a broken change fails
 * there, on hosts nobody used, and the run stops before any serving host is touched. The serving
 * hosts follow `serial` at a time, the first of their batches being the canary.
 */
export function gatedBatches<T>(items: T[], serial: Serial, fresh: (item: T) => boolean): GatedBatch<T>[] {
  const idle = items.filter(fresh);
  const serving = batches(
    items.filter((t) => !fresh(t)),
    serial,
  ).map((b, i) => ({ items: b, fresh: false, canary: i === 0 }));
  return idle.length ? [{ items: idle, fresh: true, canary: false }, ...serving] : serving;
}

/** How a batch is named in the run's notes and in `plan`. */
export function batchLabel(b: GatedBatch<unknown>): string {
  return b.fresh ? ' (not serving before the run: together)' : b.canary ? ' (canary)' : '';
}
