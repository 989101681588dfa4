// symlink: points at target, switched atomically (new link under a temp name, then rename over).
import { posix } from 'node:path';
import { pathFact } from '../facts/file.ts';
import { quote } from '../ssh/quote.ts';
import type { Module } from '../runner/types.ts';

/** Point path at target atomically: a new link under a hidden temp name, renamed over the old one. */
export function switchLinkCommand(path: string, target: string): string {
  const tmp = `${posix.dirname(path)}/.${posix.basename(path)}.ekp-tmp-link`;
  return `ln -sfn ${quote(target)} ${quote(tmp)} && mv -Tf ${quote(tmp)} ${quote(path)}`;
}

export function symlink(a: { path: string; target: string }): Module {
  const fact = pathFact(a.path);
  return {
    facts: () => [fact],
    plan({ facts }) {
      const cur = facts.get(fact);
      if (cur.type === 'link' && cur.target === a.target) return { steps: [] };
      if (cur.type === 'file' || cur.type === 'directory') return { steps: [], fail: `${a.path} exists and is not a symlink` };
      return {
        steps: [{ kind: 'exec', action: `point ${a.path} at ${a.target}`, command: switchLinkCommand(a.path, a.target) }],
        message: cur.type === 'link' ? `${cur.target} → ${a.target}` : `→ ${a.target}`,
      };
    },
  };
}
