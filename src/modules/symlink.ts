// symlink: points at target, switched atomically (new link under a temp name, then rename over).
import { posix } from 'node:path';
import { pathFact } from '../facts/file.ts';
import { quote } from '../ssh/quote.ts';
import type { Module } from '../runner/types.ts';

export function symlink(a: { path: string; target: string }): Module {
  const fact = pathFact(a.path);
  return {
    facts: () => [fact],
    plan({ facts }) {
      const cur = facts.get(fact);
      if (cur.type === 'link' && cur.target === a.target) return { steps: [] };
      if (cur.type === 'file' || cur.type === 'directory') return { steps: [], fail: `${a.path} exists and is not a symlink` };
      const tmp = `${posix.dirname(a.path)}/.${posix.basename(a.path)}.ekp-tmp-link`;
      return {
        steps: [{ kind: 'exec', action: `point ${a.path} at ${a.target}`, command: `ln -sfn ${quote(a.target)} ${quote(tmp)} && mv -Tf ${quote(tmp)} ${quote(a.path)}` }],
        message: cur.type === 'link' ? `${cur.target} → ${a.target}` : `→ ${a.target}`,
      };
    },
  };
}
