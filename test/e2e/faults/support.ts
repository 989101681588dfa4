// What the fault tests share: the rendered versions a host's files may be in, the checks that a
// host holds only whole files and no leftovers, releases that make a step slow enough to hit, and
// a watcher that fires a fault from the host itself the moment a step is seen running there.
import { afterAll, beforeAll, expect } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.ts';
import { renderConfigFiles, renderUnit, sandboxFor } from '../../../src/render/index.ts';
import { renderVipNotify } from '../../../src/render/vip-metric.ts';
import { sha256 } from '../../../src/facts/gather.ts';
import type { LabInfo } from '../../lab/index.ts';
import { labOrSkip, sshRun } from '../../lab/index.ts';
import { publishRelease, standinBytes } from '../../lab/release.ts';
import { labInventory, onHost, runCli, type CliResult } from '../support/cli.ts';

/** The lab the fault tests run on, and its host names (none when the suite skips). */
export function faultLab(): { lab: LabInfo | undefined; names: string[] } {
  const lab = labOrSkip();
  return { lab, names: lab?.hosts.map((h) => h.name) ?? [] };
}

/** The lab's inventory on the stand-in release `version` (published with sha256 `sum`), then `edit`ed. */
export function releaseInventory(
  lab: LabInfo,
  version: string,
  sum: string,
  edit: (doc: Record<string, any>) => void = () => {},
): string {
  return labInventory(lab, (d) => {
    d.envoy = { ...d.envoy, version, sha256: { x86_64: sum } };
    edit(d);
  });
}

/** The CLI exited with `code`; otherwise the failure shows the tail of its output. */
export function expectExit(r: CliResult, code: number): void {
  expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(code);
}

/**
 * In a fault suite: beforeAll deploys `start()` (default: the lab's inventory), so the faults hit
 * a known state whatever ran before; afterAll runs `cleanup`, then deploys the lab's inventory
 * again (downgrades allowed both ways), so the files after this one start from the lab as it was.
 */
export function deployAroundSuite(lab: LabInfo, opts: { start?: () => string; cleanup?: () => unknown } = {}): void {
  beforeAll(async () => {
    expectExit(await runCli(['deploy', '--hosts', opts.start?.() ?? lab.inventoryPath, '--allow-downgrade']), 0);
  });
  afterAll(async () => {
    await opts.cleanup?.();
    await runCli(['deploy', '--hosts', lab.inventoryPath, '--allow-downgrade']);
  });
}

export const CONFIG_DIR = '/etc/envoy-k8s-proxy';
export const UNIT_FILE = '/etc/systemd/system/envoy-k8s-proxy.service';
export const INSTALL_DIR = '/opt/envoy-k8s-proxy';

export interface Render {
  /** file name in the config dir → sha256 */
  config: Map<string, string>;
  unit: string;
}

/** What the tool renders for one host from an inventory file. */
export async function rendered(inventoryPath: string, host: string): Promise<Render> {
  const inv = await loadInventory(inventoryPath);
  const h = inv.hosts.find((x) => x.name === host)!;
  return {
    // keepalived's notify script lives beside Envoy's files when the inventory has a VIP
    config: new Map(
      [...renderConfigFiles(inv, h), ...(inv.vip ? [renderVipNotify(inv, h)] : [])].map((f) => [
        f.name,
        sha256(f.content),
      ]),
    ),
    // lab hosts are systemd-nspawn containers
    unit: sha256(renderUnit(inv, h, sandboxFor(h.hardening, 'systemd-nspawn')).content),
  };
}

/** Every entry of the config dir (dot files too) with its sha256; directories show as "dir". */
export async function configOnHost(lab: LabInfo, host: string): Promise<Map<string, string>> {
  const out = await onHost(
    lab,
    host,
    `cd ${CONFIG_DIR} && for f in $(ls -A); do if [ -f "$f" ]; then sha256sum "$f"; else echo "dir $f"; fi; done`,
  );
  return new Map(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [sum, name] = l.split(/\s+/);
        return [name!, sum!];
      }),
  );
}

/**
 * Each managed file on the host is exactly one of the renders (never partial). Temp names (`*ekp-*`)
 * are not managed files: `leftovers` checks those.
 */
export async function expectOldOrNew(
  lab: LabInfo,
  host: string,
  versions: Render[],
  ignore: string[] = [],
): Promise<void> {
  const files = await configOnHost(lab, host);
  for (const [name, sum] of files) {
    if (ignore.includes(name) || name.includes('ekp-')) continue;
    const known = versions.map((v) => v.config.get(name)).filter((x) => x !== undefined);
    expect(known, `${host}: ${CONFIG_DIR}/${name} is not a file the tool renders`).not.toEqual([]);
    expect(known, `${host}: ${CONFIG_DIR}/${name} matches no render (half-written?)`).toContain(sum);
  }
  const unit = (await onHost(lab, host, `sha256sum ${UNIT_FILE} | cut -d' ' -f1`)).trim();
  expect(
    versions.map((v) => v.unit),
    `${host}: ${UNIT_FILE} matches no render`,
  ).toContain(unit);
}

/** The host holds exactly one render, file for file. */
export async function expectExactly(lab: LabInfo, host: string, want: Render): Promise<void> {
  expect(Object.fromEntries(await configOnHost(lab, host))).toEqual(Object.fromEntries(want.config));
  expect((await onHost(lab, host, `sha256sum ${UNIT_FILE} | cut -d' ' -f1`)).trim()).toBe(want.unit);
}

/** Temp files and staging dirs the tool's modules use (.ekp-new, .ekp-tmp*, .ekp-stage, .envoy.ekp-upload, …). */
export async function leftovers(lab: LabInfo, host: string): Promise<string[]> {
  const out = await onHost(
    lab,
    host,
    `find ${CONFIG_DIR} ${INSTALL_DIR} /etc/systemd/system -xdev -name '*ekp-*' 2>/dev/null | sort`,
  );
  return out.split('\n').filter(Boolean);
}

/** `current` and `previous`, and whether the release `current` names is complete (its sha256). */
export async function currentRelease(lab: LabInfo, host: string): Promise<{ current: string; sha256: string }> {
  const out = await onHost(
    lab,
    host,
    `c=$(readlink ${INSTALL_DIR}/current); echo "$c"; sha256sum "${INSTALL_DIR}/$c/envoy" | cut -d' ' -f1`,
  );
  const [current, sum] = out.trim().split('\n');
  return { current: current!, sha256: sum! };
}

/**
 * A stand-in release with `mb` MiB of padding inside (a stored entry python never reads): big
 * enough that its upload takes seconds, so a fault can land while it is in flight.
 */
export function publishPadded(lab: LabInfo, version: string, mb: number): string {
  return publishRelease(lab.mirrorDir, version, standinBytes(version, { padBytes: mb * 1024 * 1024 })).sha256;
}

/**
 * A stand-in release whose `--mode validate` of a staged tree (the tool's pre-rename check) takes
 * `seconds`: a slow host, so the config update is reliably in progress when a fault is injected.
 */
export function publishSlowValidate(lab: LabInfo, version: string, seconds: number): string {
  const prelude = `import sys as _s, time as _t\nif 'validate' in _s.argv and any('.ekp-stage' in a for a in _s.argv): _t.sleep(${seconds})`;
  return publishRelease(lab.mirrorDir, version, standinBytes(version, { prelude })).sha256;
}

/**
 * Waits on the host until `condition` (a shell test) holds, then runs `then` there at once: the
 * fault fires from inside the host as soon as the step is seen, not after a guessed delay.
 * Resolves with the output of `then`; rejects after timeoutSec.
 */
export async function whenOnHost(
  lab: LabInfo,
  host: string,
  condition: string,
  then = 'true',
  timeoutSec = 50,
): Promise<string> {
  const address = lab.hosts.find((h) => h.name === host)!.address;
  const script = `end=$(( $(date +%s) + ${timeoutSec} )); until ${condition}; do [ "$(date +%s)" -lt "$end" ] || { echo "timed out waiting for: ${condition.replaceAll("'", '')}" >&2; exit 99; }; sleep 0.02; done; ${then}`;
  const r = await sshRun(lab, address, script);
  if (r.code !== 0) throw new Error(`${host}: the watcher exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** pgrep arguments for the validation of a staged config (the bracket keeps it from matching a shell quoting it). */
export const STAGED_VALIDATE = "-f '[.]ekp-stage/envoy[.]yaml'";

/**
 * Shell: kill -9 the sshd process serving the connection that runs a process `pgrep <args>` finds.
 * Every match is walked up to its sshd (a match may be a subshell that ends under us, or an orphan
 * of an earlier run with no sshd above it); tried again for up to 5 s, and on failure the process
 * tree goes to stderr so the cause is in the test's output.
 */
export function killSessionOf(pgrepArgs: string): string {
  return [
    'end=$(( $(date +%s) + 5 ))',
    'while :; do',
    `  for p in $(pgrep ${pgrepArgs}); do`,
    '    while [ -n "$p" ] && [ "$p" != 1 ] && [ "$(ps -o comm= -p "$p")" != sshd ]; do p=$(ps -o ppid= -p "$p" | tr -d " "); done',
    '    if [ -n "$p" ] && [ "$p" != 1 ] && kill -9 "$p" 2>/dev/null; then echo "killed sshd $p"; exit 0; fi',
    '  done',
    '  [ "$(date +%s)" -lt "$end" ] || { echo "no sshd above any match of pgrep ' +
      pgrepArgs.replaceAll("'", '') +
      '" >&2; ps -eo pid,ppid,comm,args >&2; exit 98; }',
    '  sleep 0.02',
    'done',
  ].join('\n');
}

export interface RunJson {
  aborted: boolean;
  recap: { host: string; ok: number; changed: number; failed: number; unreachable: boolean; error?: string }[];
  results: { host: string; role: string; task: string; status: string; error?: string; message?: string }[];
}

export const parseRun = (stdout: string): RunJson => JSON.parse(stdout) as RunJson;
