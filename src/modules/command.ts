// command: run a command unless a guard says it is already done (creates / unless), like Ansible's.
import { pathFact } from '../facts/file.ts';
import { testFact } from '../facts/system.ts';
import { change, ok, type Module } from '../runner/types.ts';
import type { FactSpec } from '../facts/types.ts';

export interface CommandArgs {
  command: string[] | string;
  action: string;
  /** Skip when this path exists. */
  creates?: string;
  /** Skip when this read-only probe exits 0. */
  unless?: string;
}

export function command(a: CommandArgs): Module {
  const creates = a.creates ? pathFact(a.creates) : undefined;
  const unless = a.unless ? testFact(a.unless) : undefined;
  return {
    facts: () => [creates, unless].filter((f): f is FactSpec<never> => f !== undefined),
    plan({ facts }) {
      if (creates && facts.get(creates).type !== 'absent') return ok();
      if (unless && facts.get(unless)) return ok();
      return change([{ kind: 'exec', action: a.action, command: a.command }], { message: a.action });
    },
  };
}
