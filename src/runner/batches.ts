// Rollout batches: `serial` hosts at a time (a count, or a percent of the hosts, at least one).

export interface Serial {
  kind: 'count' | 'percent';
  value: number;
}

export function batches<T>(items: T[], serial: Serial): T[][] {
  const size = serial.kind === 'count' ? serial.value : Math.max(1, Math.floor((items.length * serial.value) / 100));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
