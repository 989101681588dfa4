// Passive outlier detection for a TCP proxy. tcp_proxy produces no HTTP status, so the only
// signal is "could not connect" (a locally originated failure). With
// split_external_local_origin_errors those failures get their own counter; every other detector
// is switched off explicitly so a host is ejected for one documented reason only.

import type { OutlierDetection } from '../inventory/types.ts';
import { duration } from './duration.ts';

export function renderOutlierDetection(od: OutlierDetection): Record<string, unknown> | undefined {
  if (!od.enabled) return undefined;
  return {
    // consecutive_5xx defaults to 5 at 100%: it never fires for tcp_proxy once local-origin
    // errors are split off, but 0 says so instead of leaving a reader to work it out.
    interval: duration(od.intervalMs),
    base_ejection_time: duration(od.baseEjectionTimeMs),
    max_ejection_percent: od.maxEjectionPercent,
    enforcing_consecutive_5xx: 0,
    // External success-rate needs HTTP responses; local-origin success rate (default 100%) would
    // eject on statistics across 5+ hosts, a second rule operators did not ask for.
    enforcing_success_rate: 0,
    split_external_local_origin_errors: true,
    consecutive_local_origin_failure: od.consecutiveLocalOriginFailure,
    enforcing_consecutive_local_origin_failure: 100,
    enforcing_local_origin_success_rate: 0,
  };
}
