// Host-level facts: architecture and OS, users and groups, systemd units.
import { quote } from '../ssh/index.ts';
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

export type UserFact = { exists: false } | { exists: true; uid: number; gid: number; home: string; shell: string };

export function userFact(name: string): FactSpec<UserFact> {
  return {
    key: `user:${name}`,
    script: `getent passwd ${quote(name)}`,
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
  needDaemonReload: boolean;
  nRestarts: number;
  mainPid: number;
}

const UNIT_PROPS =
  'LoadState,ActiveState,SubState,UnitFileState,ActiveEnterTimestamp,StateChangeTimestamp,ExecMainStartTimestamp,NeedDaemonReload,NRestarts,MainPID';

/** One `systemctl show` for the unit; every reader shares it (same key, one probe per round trip). */
export function unitFact(unit: string): FactSpec<UnitFact> {
  return {
    key: `unit:${unit}`,
    script: `systemctl show ${quote(unit)} -p ${UNIT_PROPS}`,
    parse: parseUnitShow,
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
  return {
    loadState: kv.get('LoadState') ?? 'not-found',
    activeState: kv.get('ActiveState') ?? 'inactive',
    subState: kv.get('SubState') ?? '',
    unitFileState: kv.get('UnitFileState') ?? '',
    activeEnterTimestamp: kv.get('ActiveEnterTimestamp') ?? '',
    stateChangeTimestamp: kv.get('StateChangeTimestamp') ?? '',
    execMainStartTimestamp: kv.get('ExecMainStartTimestamp') ?? '',
    needDaemonReload: kv.get('NeedDaemonReload') === 'yes',
    nRestarts: Number(kv.get('NRestarts') ?? 0) || 0,
    mainPid: Number(kv.get('MainPID') ?? 0) || 0,
  };
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
  script: 'systemd-detect-virt --container',
  parse: parseDetectVirt,
};

/** `systemd-detect-virt --container`: the name and exit 0 in a container, `none` and exit 1 outside. */
export function parseDetectVirt(out: string, code: number): string | null {
  const name = out.trim().split('\n')[0]?.trim() ?? '';
  return code === 0 && /^[a-z0-9-]+$/.test(name) && name !== 'none' ? name : null;
}
