// releaseSwitch: point `current` at the wanted release and keep `previous` for a one-step rollback.
// A downgrade (semver) is refused unless explicitly allowed.
import { posix } from 'node:path';
import semver from 'semver';
import { pathFact } from '../facts/file.ts';
import { quote } from '../ssh/index.ts';
import { change, fail, ok, type Module } from '../runner/types.ts';

/** Point path at target atomically: a new link under a hidden temp name, renamed over the old one. */
export function switchLinkCommand(path: string, target: string): string {
  const tmp = `${posix.dirname(path)}/.${posix.basename(path)}.ekp-tmp-link`;
  return `ln -sfn ${quote(target)} ${quote(tmp)} && mv -Tf ${quote(tmp)} ${quote(path)}`;
}

export function releaseSwitch(a: { installDir: string; version: string; allowDowngrade: boolean }): Module {
  const current = posix.join(a.installDir, 'current');
  const previous = posix.join(a.installDir, 'previous');
  const target = `releases/${a.version}`;
  const cur = pathFact(current);
  return {
    facts: () => [cur],
    plan({ facts }) {
      const c = facts.get(cur);
      if (c.type === 'link' && c.target === target) return ok();
      if (c.type !== 'link' && c.type !== 'absent') return fail(`${current} exists and is not a symlink`);
      const from = c.type === 'link' ? /^releases\/(.+)$/.exec(c.target)?.[1] : undefined;
      if (from && semver.valid(from) && semver.gt(from, a.version) && !a.allowDowngrade) {
        return fail(
          `refusing to downgrade Envoy from ${from} to ${a.version} (pass --allow-downgrade, or use rollback)`,
        );
      }
      const cmds = [
        ...(c.type === 'link' ? [switchLinkCommand(previous, c.target)] : []),
        switchLinkCommand(current, target),
      ];
      return change([{ kind: 'exec', action: `switch ${current} to ${a.version}`, command: cmds.join(' && ') }], {
        message: from ? `${from} → ${a.version}` : `→ ${a.version}`,
      });
    },
  };
}
