// releaseSwitch: point `current` at the wanted release and keep `previous` for a one-step rollback.
// A downgrade (semver) is refused unless explicitly allowed.
import { posix } from 'node:path';
import semver from 'semver';
import { pathFact } from '../facts/file.ts';
import { quote } from '../ssh/index.ts';
import { change, fail, ok, type Module } from '../runner/types.ts';
import { writeFileLines } from './heredoc.ts';

/** Point path at target atomically: a new link under a hidden temp name, renamed over the old one. */
export function switchLinkCommand(path: string, target: string): string {
  const tmp = `${posix.dirname(path)}/.${posix.basename(path)}.ekp-tmp-link`;
  return `ln -sfn ${quote(target)} ${quote(tmp)} && mv -Tf ${quote(tmp)} ${quote(path)}`;
}

export interface SwitchCheck {
  /** The config tree rendered for `stageDir`, written there and checked by the new binary. */
  stageDir: string;
  files: { name: string; content: string }[];
  owner: string;
  group: string;
  /** Shell that checks the staged bootstrap with the given envoy binary (exit 0: accepted). */
  command: (envoy: string, bootstrap: string) => string;
}

export interface ReleaseSwitchArgs {
  installDir: string;
  version: string;
  allowDowngrade: boolean;
  /** On an upgrade, the new binary must accept the config before `current` moves. */
  check?: SwitchCheck;
}

export function releaseSwitch(a: ReleaseSwitchArgs): Module {
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
      const switchCmd = cmds.join(' && ');
      // a first install has no config yet to check (nor the service user): the config task checks it
      const checked = a.check && c.type === 'link';
      return change(
        [
          checked
            ? {
                kind: 'exec',
                action: `check the config with envoy ${a.version}, then switch ${current}`,
                command: ['sh', '-s'],
                stdin: checkThenSwitch(a.check!, posix.join(a.installDir, target, 'envoy'), a.version, switchCmd),
              }
            : { kind: 'exec', action: `switch ${current} to ${a.version}`, command: switchCmd },
        ],
        { message: `${from ? `${from} → ${a.version}` : `→ ${a.version}`}${checked ? ' (config checked first)' : ''}` },
      );
    },
  };
}

function checkThenSwitch(c: SwitchCheck, envoy: string, version: string, switchCmd: string): string {
  const stage = quote(c.stageDir);
  const own = quote(`${c.owner}:${c.group}`);
  const out = ['set -eu', `cleanup() { rm -rf -- ${stage}; }`, 'trap cleanup EXIT INT TERM HUP'];
  out.push(`rm -rf -- ${stage}`, `mkdir -m 750 ${stage}`, `chown ${own} ${stage}`);
  for (const f of c.files) {
    const path = posix.join(c.stageDir, f.name);
    out.push(...writeFileLines(path, f.content), `chown ${own} ${quote(path)}`, `chmod 640 ${quote(path)}`);
  }
  const said = quote(`envoy ${version} rejects the current configuration; current stays where it is:`);
  out.push(
    `if ! out=$(${c.command(envoy, posix.join(c.stageDir, 'envoy.yaml'))} 2>&1); then echo ${said} >&2; echo "$out" >&2; exit 1; fi`,
    switchCmd,
  );
  return `${out.join('\n')}\n`;
}
