// --limit: host names or globs, comma separated; unknown names are an error, not a silent no-op.
import picomatch from 'picomatch';
import type { HostSpec } from '../inventory/types.ts';
import { InputError } from '../errors.ts';

export function limitHosts(hosts: HostSpec[], limit: string | undefined, file = '--limit'): HostSpec[] {
  if (!limit) return hosts;
  const patterns = limit
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const problems = [];
  const keep = new Set<string>();
  for (const p of patterns) {
    const match = picomatch(p);
    const hit = hosts.filter((h) => match(h.name) || h.address === p);
    if (hit.length === 0)
      problems.push({
        file,
        path: '',
        message: `no host matches "${p}" (hosts: ${hosts.map((h) => h.name).join(', ')})`,
      });
    for (const h of hit) keep.add(h.name);
  }
  if (problems.length) throw new InputError('usage', problems);
  return hosts.filter((h) => keep.has(h.name));
}

/** Run fn over items with at most `forks` in flight, in order of start. */
export async function pool<T>(items: T[], forks: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(forks, items.length)) }, worker));
}
