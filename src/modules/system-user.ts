// systemUser: a system user and its group (no login shell, no home). Removal is the ownership
// module's: only an account the tool created may go.
import { groupFact, userFact } from '../facts/system.ts';
import { change, ok, type Module, type Step } from '../runner/types.ts';

export function systemUser(a: { name: string; group?: string; home?: string }): Module {
  const group = a.group ?? a.name;
  const uf = userFact(a.name);
  const gf = groupFact(group);
  return {
    facts: () => [uf, gf],
    plan({ facts }) {
      const u = facts.get(uf);
      const g = facts.get(gf);
      const steps: Step[] = [];
      if (!g.exists)
        steps.push({ kind: 'exec', action: `create group ${group}`, command: ['groupadd', '--system', group] });
      if (!u.exists) {
        steps.push({
          kind: 'exec',
          action: `create user ${a.name}`,
          command: [
            'useradd',
            '--system',
            '--gid',
            group,
            '--no-create-home',
            '--home-dir',
            a.home ?? '/nonexistent',
            '--shell',
            '/usr/sbin/nologin',
            a.name,
          ],
        });
      }
      return steps.length ? change(steps, { message: 'created' }) : ok();
    },
  };
}
