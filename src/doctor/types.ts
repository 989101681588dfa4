// A doctor report: per host, a checklist of verdicts, each with what was seen and the fix to try.

export type Verdict = 'ok' | 'warn' | 'fail';

export interface Check {
  /** Stable id for scripts reading --json, e.g. `unit`, `endpoint:10.0.0.1:6443`. */
  id: string;
  /** Short label printed in the checklist's second column. */
  title: string;
  verdict: Verdict;
  /** One line: what was seen. */
  summary: string;
  /** Further lines (journal entries, per-endpoint flags), printed indented. */
  details?: string[];
  /** What to try when the verdict is not ok. */
  fix?: string;
}

export interface HostReport {
  host: string;
  address: string;
  verdict: Verdict;
  checks: Check[];
  ms: number;
  roundTrips: number;
}

export interface FleetReport {
  inventory: string;
  verdict: Verdict;
  hosts: HostReport[];
}

const RANK: Record<Verdict, number> = { ok: 0, warn: 1, fail: 2 };

/** The worst verdict of a list; ok when empty. */
export function worst(verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((w, v) => (RANK[v] > RANK[w] ? v : w), 'ok');
}

export function check(
  id: string,
  title: string,
  verdict: Verdict,
  summary: string,
  extra: { details?: string[]; fix?: string } = {},
): Check {
  const c: Check = { id, title, verdict, summary };
  if (extra.details?.length) c.details = extra.details;
  if (extra.fix && verdict !== 'ok') c.fix = extra.fix;
  return c;
}
