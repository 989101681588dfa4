// Role envoy_rollback: swap `current` and `previous` (one switch), then the restart handler rolls
// the fleet onto the release that ran before.
import { posix } from 'node:path';
import { change, fail, task, type Module, type Role } from '../../src/runner/types.ts';
import { pathFact } from '../../src/facts/file.ts';
import { quote } from '../../src/ssh/index.ts';
import { restartHandler } from '../envoy_service/handlers.ts';
import { switchLinkCommand } from '../../src/modules/release-switch.ts';

function swap(installDir: string): Module {
  const current = posix.join(installDir, 'current');
  const previous = posix.join(installDir, 'previous');
  const cur = pathFact(current);
  const prev = pathFact(previous);
  return {
    facts: () => [cur, prev],
    plan({ facts }) {
      const c = facts.get(cur);
      const p = facts.get(prev);
      if (p.type !== 'link') return fail(`no previous release to roll back to (${previous} is missing)`);
      if (c.type !== 'link') return fail(`${current} is not a symlink`);
      // the previous release must still be there and run before we point at it
      const check = `${quote(posix.join(installDir, p.target, 'envoy'))} --version >/dev/null`;
      return change(
        [
          {
            kind: 'exec',
            action: `roll back to ${p.target}`,
            command: `${check} && ${switchLinkCommand(current, p.target)} && ${switchLinkCommand(previous, c.target)}`,
          },
        ],
        {
          message: `${c.target.replace('releases/', '')} → ${p.target.replace('releases/', '')}`,
        },
      );
    },
  };
}

export const envoyRollback: Role = {
  name: 'envoy_rollback',
  tasks: (inv) => [task('switch to the previous release', swap(inv.paths.installDir), { notify: [restartHandler] })],
  handlers: [restartHandler],
};
