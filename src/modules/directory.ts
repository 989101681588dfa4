// directory: exists with owner and mode.
import { pathFact } from '../facts/file.ts';
import { quote } from '../ssh/index.ts';
import { change, fail, ok, type Module } from '../runner/types.ts';

export interface DirectoryArgs {
  path: string;
  mode?: number;
  owner?: string;
  group?: string;
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
      if (cur.type === 'absent') {
        return change(
          [
            {
              kind: 'exec',
              action: `create ${a.path}`,
              command: `install -d -m ${mode.toString(8)} -o ${quote(owner)} -g ${quote(group)} ${p}`,
            },
          ],
          { message: 'created' },
        );
      }
      if (cur.type !== 'directory') return fail(`${a.path} exists and is not a directory`);
      if (cur.mode !== mode || cur.owner !== owner || cur.group !== group) {
        return change(
          [
            {
              kind: 'exec',
              action: `set owner and mode of ${a.path}`,
              command: `chown ${quote(`${owner}:${group}`)} ${p} && chmod ${mode.toString(8)} ${p}`,
            },
          ],
          {
            message: `mode/owner → ${mode.toString(8)} ${owner}:${group}`,
          },
        );
      }
      return ok();
    },
  };
}
