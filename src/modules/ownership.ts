// ownership: the host's manifest of what the tool created. On deploy/install it is written first,
// before anything is created (so an interrupted run never leaves an unrecorded directory), and the
// host fails if anything the play would take over exists without being the tool's. On uninstall
// each part removes only what is recorded, and the manifest then keeps only what is left.
import type { Inventory } from '../inventory/types.ts';
import { STATE_DIR } from '../inventory/dedicated.ts';
import { sha256 } from '../facts/gather.ts';
import { quote } from '../ssh/index.ts';
import { change, fail, ok, skip, type Module, type Plan, type Step, type TaskContext } from '../runner/types.ts';
import { claimForDeploy } from '../ownership/claims.ts';
import { hostState, ownershipFacts } from '../ownership/facts.ts';
import {
  MANIFEST_PATH,
  VIP_FILE_ROLES,
  isEmpty,
  serializeManifest,
  type FileRole,
  type Manifest,
} from '../ownership/manifest.ts';
import { KEEPALIVED_UNIT, vipNotifyPath } from '../render/keepalived.ts';
import { service } from './systemd.ts';
import { decideUninstall, type Part, type UninstallDecision } from '../ownership/uninstall.ts';
import { writeFileStep } from './file.ts';

function writeManifest(m: Manifest): Step {
  const content = serializeManifest(m);
  const write = writeFileStep({ path: MANIFEST_PATH, content, mode: 0o600 }, sha256(content));
  return {
    ...write,
    action: `record what the tool owns in ${MANIFEST_PATH}`,
    command: `set -e\ninstall -d -m 700 -o root -g root ${quote(STATE_DIR)}\n${String(write.command)}`,
  };
}

const summary = (m: Manifest) =>
  [
    ...m.paths.map((e) => e.path),
    ...m.users.map((e) => `user ${e.name}`),
    ...m.groups.map((e) => `group ${e.name}`),
  ].join(', ');

/** Deploy and install: claim what the play will create; fail the host on anything foreign. */
export function recordOwnership(inv: Inventory): Module {
  return {
    facts: () => ownershipFacts(inv),
    plan({ facts }): Plan {
      const s = hostState(inv, facts);
      const claim = claimForDeploy(inv, s);
      if ('untrusted' in claim) return fail(`refusing to trust the manifest, nothing was changed: ${claim.untrusted}`);
      if (claim.refusals.length) {
        return fail(
          `refusing to take over what envoy-k8s-proxy did not create, nothing was changed: ${claim.refusals.join('; ')}. Remove these or choose other paths in the inventory.`,
        );
      }
      const text = serializeManifest(claim.next);
      if (s.manifest.state === 'present' && s.manifest.text === text) return ok();
      return change([writeManifest(claim.next)], {
        message: claim.migrated
          ? `recorded from a deploy before the manifest: ${summary(claim.next)}`
          : `recorded: ${summary(claim.next)}`,
      });
    },
  };
}

// pure and cheap: every task of the role decides from the same facts, so they agree
function decision(ctx: TaskContext, purge: boolean): UninstallDecision | { untrusted: string } {
  return decideUninstall(ctx.inv, hostState(ctx.inv, ctx.facts), purge);
}

/** Uninstall: remove one part (the unit file, the logrotate rule, a directory, the accounts) if the tool owns it. */
export function removeOwned(inv: Inventory, part: Part, purge: boolean): Module {
  return {
    facts: () => ownershipFacts(inv),
    plan(ctx): Plan {
      const d = decision(ctx, purge);
      if ('untrusted' in d) return fail(`refusing to trust the manifest, nothing was removed: ${d.untrusted}`);
      const { steps, kept } = d.parts[part];
      if (steps.length === 0) return kept.length ? skip(kept.join('; ')) : ok();
      return change(steps, { message: ['removed', ...kept].join('; ') });
    },
  };
}

/** `module`, only when the tool owns the unit file (or nothing is there): skipped otherwise. */
export function ifOwnsUnit(inv: Inventory, purge: boolean, module: Module): Module {
  return {
    facts: (o) => [...ownershipFacts(inv), ...module.facts(o)],
    plan(ctx) {
      const d = decision(ctx, purge);
      if ('untrusted' in d) return skip('refusing to trust the manifest');
      const kept = d.parts.unit.kept;
      return kept.length ? skip(kept.join('; ')) : module.plan(ctx);
    },
  };
}

/** `module`, only when the tool owns the file of `role`: ok when nothing is there, skipped when it is not the tool's. */
export function ifOwnsFile(inv: Inventory, role: FileRole, purge: boolean, module: Module): Module {
  return {
    facts: (o) => [...ownershipFacts(inv), ...module.facts(o)],
    plan(ctx) {
      const d = decision(ctx, purge);
      if ('untrusted' in d) return skip('refusing to trust the manifest');
      const kept = d.parts[role].kept;
      if (kept.length) return skip(kept.join('; '));
      return d.parts[role].steps.length ? module.plan(ctx) : ok();
    },
  };
}

/** Deploy without a VIP: a keepalived.conf the tool wrote earlier is stopped and removed; anything else is left alone. */
export function retireKeepalived(inv: Inventory): Module {
  const stop = service({ unit: KEEPALIVED_UNIT, state: 'absent' });
  return {
    facts: (o) => [...ownershipFacts(inv), ...stop.facts(o)],
    async plan(ctx) {
      const d = decision(ctx, false);
      if ('untrusted' in d) return ok();
      const metric = d.parts.vipMetric.steps;
      const vipParts = VIP_FILE_ROLES.flatMap((r) => d.parts[r].steps);
      if (vipParts.length === 0) return metric.length ? change(metric, { message: 'removed' }) : ok();
      const stopped = await stop.plan(ctx);
      // keepalived's stop removes the VIP's lo copy, then the ARP rules it needed go; its STOP
      // notify writes the state file once more, so that goes after the stop too
      const notify: Step = {
        kind: 'exec',
        action: `remove ${vipNotifyPath(inv)}`,
        command: ['rm', '-f', '--', vipNotifyPath(inv)],
      };
      const steps = [...(stopped.kind === 'change' ? stopped.steps : []), ...vipParts, notify, ...metric];
      return change(steps, {
        message: `stopped keepalived and removed the configuration of a VIP the inventory no longer has`,
      });
    },
  };
}

/** Uninstall, last: the manifest lists what is left; gone with the state directory once empty. */
export function forgetRemoved(inv: Inventory, purge: boolean): Module {
  return {
    facts: () => ownershipFacts(inv),
    plan(ctx): Plan {
      const d = decision(ctx, purge);
      if ('untrusted' in d) return fail(`refusing to trust the manifest: ${d.untrusted}`);
      const s = hostState(inv, ctx.facts);
      if (isEmpty(d.remaining)) {
        if (s.manifest.state === 'absent') return ok();
        // rmdir: the directory may hold other state of the tool (e.g. its run lock) and then stays
        return change(
          [
            {
              kind: 'exec',
              action: `remove ${MANIFEST_PATH}`,
              command: `rm -f -- ${quote(MANIFEST_PATH)} && { rmdir -- ${quote(STATE_DIR)} 2>/dev/null || true; }`,
            },
          ],
          {
            message: 'removed: nothing of the tool is left',
          },
        );
      }
      if (s.manifest.state === 'present' && s.manifest.text === serializeManifest(d.remaining)) return ok();
      return change([writeManifest(d.remaining)], { message: `still recorded: ${summary(d.remaining)}` });
    },
  };
}
