// directory: exists with owner and mode (or is absent, for uninstall).
import { pathFact } from '../facts/file.ts';
import { quote } from '../ssh/quote.ts';
import type { Module } from '../runner/types.ts';

export interface DirectoryArgs {
  path: string;
  mode?: number;
  owner?: string;
  group?: string;
  state?: 'present' | 'absent';
}

export function directory(a: DirectoryArgs): Module {
  const fact = pathFact(a.path);
  const mode = a.mode ?? 0o755;
  const owner = a.owner ?? 'root';
  const group = a.group ?? 'root';
  return {
    facts: () => [fact],
    plan({ facts }) {
      const cur = facts.get(fact);
      const p = quote(a.path);
      if (a.state === 'absent') {
        if (cur.type === 'absent') return { steps: [] };
        return { steps: [{ kind: 'exec', action: `remove ${a.path}`, command: ['rm', '-rf', '--', a.path] }], message: 'removed' };
      }
      if (cur.type === 'absent') {
        return {
          steps: [{ kind: 'exec', action: `create ${a.path}`, command: `install -d -m ${mode.toString(8)} -o ${quote(owner)} -g ${quote(group)} ${p}` }],
          message: 'created',
        };
      }
      if (cur.type !== 'directory') return { steps: [], fail: `${a.path} exists and is not a directory` };
      if (cur.mode !== mode || cur.owner !== owner || cur.group !== group) {
        return {
          steps: [{ kind: 'exec', action: `set owner and mode of ${a.path}`, command: `chown ${quote(`${owner}:${group}`)} ${p} && chmod ${mode.toString(8)} ${p}` }],
          message: `mode/owner → ${mode.toString(8)} ${owner}:${group}`,
        };
      }
      return { steps: [] };
    },
  };
}
