// Host-level facts: architecture and OS, users and groups, systemd units.
import { quote } from '../ssh/index.ts';
import { UNIT_PROPS } from './batch.ts';
import type { FactSpec } from './types.ts';

export interface OsFact {
  machine: string; // uname -m
  osId: string;
  osVersion: string;
  systemd: number | null; // systemd major version, null without systemd
}

export const osFact: FactSpec<OsFact> = {
  key: 'os',
  script: `uname -m; . /etc/os-release 2>/dev/null; echo "\${ID:-unknown}"; echo "\${VERSION_ID:-}"; systemctl --version 2>/dev/null | head -n1`,
  parse(out) {
    const [machine = '', osId = '', osVersion = '', sd = ''] = out.replace(/^\n+/, '').split('\n');
    const m = /^systemd (\d+)/.exec(sd);
    return {
      machine: machine.trim(),
      osId: osId.trim(),
      osVersion: osVersion.trim(),
      systemd: m ? Number(m[1]) : null,
    };
  },
};

/**
 * The machine (`uname -m`) alone: all a deploy needs of the OS. Read from kernel.arch (the same
 * utsname field, Linux 6.0+) by the builtin read, `uname -m` where there is no such file. read's
 * status is not used: a sysctl file read a byte at a time (dash) ends after its first read.
 */
export const machineFact: FactSpec<string> = {
  key: 'os:machine',
  script: 'a=; read -r a < /proc/sys/kernel/arch; if [ -n "$a" ]; then echo "$a"; else uname -m; fi',
  inline: true,
  parse: (out) => out.trim().split('\n')[0] ?? '',
};

export type UserFact = { exists: false } | { exists: true; uid: number; gid: number; home: string; shell: string };

export function userFact(name: string): FactSpec<UserFact> {
  return {
    key: `user:${name}`,
    script: `getent passwd ${quote(name)}`,
    inline: true,
    parse(out, code) {
      const line = out.trim();
      if (code !== 0 || !line) return { exists: false };
      const f = line.split(':');
      return { exists: true, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '', shell: f[6] ?? '' };
    },
  };
}

export function groupFact(name: string): FactSpec<{ exists: boolean; gid?: number }> {
  return {
    key: `group:${name}`,
    script: `getent group ${quote(name)}`,
    inline: true,
    parse(out, code) {
      const f = out.trim().split(':');
      return code === 0 && f[0] ? { exists: true, gid: Number(f[2]) } : { exists: false };
    },
  };
}

/** A unit as `systemctl show` says it: every property the modules, status, doctor and the gate read. */
export interface UnitFact {
  loadState: string; // loaded | not-found | ...
  activeState: string; // active | inactive | failed | activating ...
  subState: string;
  unitFileState: string; // enabled | disabled | ...
  activeEnterTimestamp: string;
  /** When the unit last changed state (status's "since"). */
  stateChangeTimestamp: string;
  execMainStartTimestamp: string;
  /** ExecMainStartTimestamp in unix seconds (0: unknown), to compare with files' mtimes. */
  execMainStartAt: number;
  needDaemonReload: boolean;
  nRestarts: number;
  mainPid: number;
}

/**
 * One `systemctl show` for the unit, and for every other unit of the round trip (facts/batch.ts).
 * Times come as unix seconds (comparable with mtimes), shown in UTC.
 */
export function unitFact(unit: string): FactSpec<UnitFact> {
  return {
    key: `unit:${unit}`,
    script: `systemctl show --timestamp=unix ${quote(unit)} -p ${UNIT_PROPS}`,
    parse: parseUnitShow,
    batch: { kind: 'unit', arg: unit },
  };
}

/** `systemctl show -p A,B` output (`A=value` lines) as a map. */
function systemctlProperties(out: string): Map<string, string> {
  const kv = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return kv;
}

export function parseUnitShow(out: string): UnitFact {
  const kv = systemctlProperties(out);
  const time = (k: string) => shownTime(kv.get(k) ?? '');
  return {
    loadState: kv.get('LoadState') ?? 'not-found',
    activeState: kv.get('ActiveState') ?? 'inactive',
    subState: kv.get('SubState') ?? '',
    unitFileState: kv.get('UnitFileState') ?? '',
    activeEnterTimestamp: time('ActiveEnterTimestamp'),
    stateChangeTimestamp: time('StateChangeTimestamp'),
    execMainStartTimestamp: time('ExecMainStartTimestamp'),
    execMainStartAt: Number(/^@(\d+)/.exec(kv.get('ExecMainStartTimestamp') ?? '')?.[1] ?? 0),
    needDaemonReload: kv.get('NeedDaemonReload') === 'yes',
    nRestarts: Number(kv.get('NRestarts') ?? 0) || 0,
    mainPid: Number(kv.get('MainPID') ?? 0) || 0,
  };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `--timestamp=unix`'s `@<seconds>` as systemd prints it by default, in UTC; any other text as is. */
export function shownTime(v: string): string {
  const m = /^@(\d+)$/.exec(v);
  if (!m) return v;
  const d = new Date(Number(m[1]) * 1000);
  return `${DAYS[d.getUTCDay()]} ${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Generic guard for the command module: exit code 0 of a read-only probe. */
export function testFact(script: string): FactSpec<boolean> {
  return { key: `test:${script}`, script, parse: (_out, code) => code === 0 };
}

/**
 * What kind of container the host is (systemd-nspawn, lxc, docker, …), or null on a VM or bare
 * metal. It decides the unit's sandbox under `hardening: auto`.
 */
export const containerFact: FactSpec<string | null> = {
  key: 'virt:container',
  // systemd (PID 1) records the container it found at boot: no process to ask again
  script:
    'if [ -f /run/systemd/container ]; then read -r c < /run/systemd/container; echo "$c"; ' +
    'elif [ -d /run/systemd/system ]; then echo none; false; else systemd-detect-virt --container; fi',
  inline: true,
  parse: parseDetectVirt,
};

/** `systemd-detect-virt --container`: the name and exit 0 in a container, `none` and exit 1 outside. */
export function parseDetectVirt(out: string, code: number): string | null {
  const name = out.trim().split('\n')[0]?.trim() ?? '';
  return code === 0 && /^[a-z0-9-]+$/.test(name) && name !== 'none' ? name : null;
}
