// The options commands share, and every argument parser, in one place: a command lists what it
// takes (`[...FLEET, DIFF]`), the CLI wires it. A parser's error is a usage error (exit 2).
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../inventory/formats.ts';
import { ARCHES, type Arch } from '../inventory/types.ts';
import { archOf } from '../release/url.ts';
import type { StarterCluster, StarterHost } from '../inventory/starter.ts';
import type { OptionSpec } from './spec.ts';

/** What every fleet command's action gets from FLEET. */
export interface FleetOptions {
  hosts: string;
  limit?: string;
  forks: number;
  json: boolean;
  /** Overrides every host's ssh.commandTimeout (ms). */
  commandTimeout?: number;
}

export type { Serial } from '../runner/batches.ts';
import type { Serial } from '../runner/batches.ts';

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, found "${v}"`);
  return n;
}

export function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected an integer >= 0, found "${v}"`);
  return n;
}

export function positivePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`expected a TCP port 1-65535, found "${v}"`);
  return n;
}

export function percent(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100)
    throw new InvalidArgumentError(`expected a percentage 0-100, found "${v}"`);
  return n;
}

export function durationArg(v: string): number {
  const ms = parseDuration(v.trim());
  if (ms === undefined) throw new InvalidArgumentError(`expected a duration such as 500ms, 5s, 1m30s, found "${v}"`);
  return ms;
}

export function positiveDuration(v: string): number {
  const ms = parseDuration(v.trim());
  if (!ms) throw new InvalidArgumentError(`expected a duration above zero such as 30s or 2m, found "${v}"`);
  return ms;
}

/** `2`, `25%`, or batch sizes in order, the last repeated: `1,100%` (a canary, then the rest). */
export function serialArg(v: string): Serial {
  const steps = v.split(',').map((part) => {
    const m = /^([1-9]\d*)(%?)$/.exec(part.trim());
    if (!m || (m[2] && Number(m[1]) > 100))
      throw new InvalidArgumentError(
        `expected a host count (2), a percentage (25%) or a list of them (1,100%), found "${v}"`,
      );
    return { kind: m[2] ? ('percent' as const) : ('count' as const), value: Number(m[1]) };
  });
  return steps.length === 1 ? steps[0]! : steps;
}

/** `--arch x86_64,aarch_64` (uname names such as amd64 and arm64 are accepted too). */
export function parseArches(v: string): Arch[] {
  const out: Arch[] = [];
  for (const name of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const arch = (ARCHES as readonly string[]).includes(name) ? (name as Arch) : archOf(name);
    if (!arch) throw new InvalidArgumentError(`unknown architecture "${name}": expected ${ARCHES.join(', ')}`);
    if (!out.includes(arch)) out.push(arch);
  }
  if (out.length === 0) throw new InvalidArgumentError(`expected ${ARCHES.join(', ')}`);
  return out;
}

/** The environment variable `--hosts` falls back to (documented in README). */
/** init's `--cluster name=10.0.0.21:6443,10.0.0.22:6443`, repeatable. */
export function clusterArg(v: string, previous: StarterCluster[] = []): StarterCluster[] {
  const m = /^([^=]+)=(.+)$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`expected name=IP:port[,IP:port...], found "${v}"`);
  return [...previous, { name: m[1]!, endpoints: m[2]!.split(',').map((e) => e.trim()) }];
}

/** init's `--host name=address`, repeatable. */
export function hostArg(v: string, previous: StarterHost[] = []): StarterHost[] {
  const m = /^([^=]+)=(.+)$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`expected name=address, found "${v}"`);
  return [...previous, { name: m[1]!, address: m[2]! }];
}

export const HOSTS_ENV = 'EKP_HOSTS';

export const HOSTS: OptionSpec = {
  flags: '-H, --hosts <inventory>',
  description: 'inventory name (hosts/<name>.yaml) or path',
  required: true,
  env: HOSTS_ENV,
};
export const LIMIT: OptionSpec = {
  flags: '-l, --limit <hosts>',
  description: 'only these hosts: names or globs, comma separated',
};
export const FORKS: OptionSpec = {
  flags: '-f, --forks <n>',
  description: 'hosts worked on in parallel',
  default: 16,
  parse: positiveInt,
};
export const JSON_OUT: OptionSpec = {
  flags: '--json',
  description: 'print one JSON document instead of text',
  default: false,
};

export const COMMAND_TIMEOUT: OptionSpec = {
  flags: '--command-timeout <duration>',
  description: "deadline of each remote command and upload (default: the inventory's ssh.commandTimeout, 60s)",
  parse: positiveDuration,
};

/** The inventory, the host selection, parallelism, output format and the remote deadline: most commands take these. */
export const FLEET: OptionSpec[] = [HOSTS, LIMIT, FORKS, JSON_OUT, COMMAND_TIMEOUT];

/** start, stop and restart: how long a host may take to reach the state. */
export const TIMEOUT: OptionSpec = {
  flags: '--timeout <duration>',
  description: 'how long each host may take to reach the state (default: inventory rolling.healthTimeout)',
  parse: durationArg,
};

/** rolling-restart and restart (which rolls by default). */
export const ROLLING: OptionSpec[] = [
  {
    flags: '--serial <n|n%|list>',
    description:
      'hosts restarted at a time, or batch sizes in order such as 1,100% (default: inventory rolling.serial)',
    parse: serialArg,
  },
  {
    flags: '--drain <duration>',
    description: 'wait between healthcheck/fail and the restart (default: inventory rolling.drain)',
    parse: durationArg,
  },
  {
    flags: '--health-timeout <duration>',
    description: 'how long a restarted host may take to pass its gate (default: inventory rolling.healthTimeout)',
    parse: durationArg,
  },
  {
    flags: '--min-healthy <n>',
    description: 'healthy endpoints each cluster needs to pass the gate (default: inventory)',
    parse: positiveInt,
  },
  {
    flags: '--max-fail <percent>',
    description: 'failed or already-down hosts tolerated before stopping (default: inventory rolling.maxFailPercent)',
    parse: percent,
  },
];

export interface RollingOptions extends FleetOptions {
  serial?: Serial;
  drain?: number;
  healthTimeout?: number;
  minHealthy?: number;
  maxFail?: number;
  resume?: boolean;
}
