// Checks of what surrounds the service on the host: which sandbox its unit runs under, and
// whether the disk holding its logs is filling up (and logrotate is there to keep it from it).
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { FactSpec } from '../facts/types.ts';
import { quote } from '../ssh/index.ts';
import {
  FULL_ONLY,
  LOGROTATE_PATH,
  SANDBOX_MARKER,
  UNIT_NAME,
  UNIT_PATH,
  sandboxFor,
  type Sandbox,
} from '../render/index.ts';
import { formatKiB, parseDf, type DiskUsage } from './parse-df.ts';
import { check, type Check } from './types.ts';

/** Above this, doctor warns: rotation keeps 7 days, a burst of connections can fill the rest. */
export const LOG_DISK_WARN_PERCENT = 90;

export interface SandboxFact {
  /** The sandbox the installed unit says it has; null without a unit or a marker. */
  installed: Sandbox | null;
  /** `systemd-analyze security`'s overall exposure (0 best … 10), with its word (OK, MEDIUM…). */
  exposure: { score: number; level: string } | null;
}

export const sandboxFact: FactSpec<SandboxFact> = {
  key: 'doctor:sandbox',
  script:
    `grep -m1 ${quote(`^${SANDBOX_MARKER}`)} ${quote(UNIT_PATH)}; ` +
    `timeout 10 systemd-analyze security --no-pager ${quote(UNIT_NAME)} 2>/dev/null | tail -n1`,
  parse: parseSandbox,
};

export function parseSandbox(out: string): SandboxFact {
  const marker = new RegExp(`^${SANDBOX_MARKER}(full|container)\\b`, 'm').exec(out);
  const exposure = /exposure level for \S+: (\d+(?:\.\d+)?) (\w+)/.exec(out);
  return {
    installed: (marker?.[1] as Sandbox | undefined) ?? null,
    exposure: exposure ? { score: Number(exposure[1]), level: exposure[2]! } : null,
  };
}

export function checkSandbox(inv: Inventory, host: HostSpec, container: string | null, f: SandboxFact): Check[] {
  const want = sandboxFor(host.hardening, container);
  const where = `${container ? `${container} container` : 'not a container'}, hardening: ${host.hardening}`;
  const exposure = f.exposure ? `; systemd-analyze security: ${f.exposure.score} ${f.exposure.level}` : '';
  const deploy = `\`envoy-k8s-proxy deploy --hosts ${inv.name} --limit ${host.name}\``;
  if (f.installed === null) {
    return [
      check('sandbox', 'sandbox', 'warn', `the installed unit does not say which sandbox it has (${where})`, {
        fix: `${deploy} installs the unit with the ${want} sandbox`,
      }),
    ];
  }
  const what = (s: Sandbox) =>
    s === 'full'
      ? 'the full sandbox'
      : `the reduced sandbox for containers (without ${FULL_ONLY.map((o) => o.split('=')[0]).join(', ')})`;
  if (f.installed !== want) {
    return [
      check(
        'sandbox',
        'sandbox',
        'warn',
        `runs ${what(f.installed)}, the inventory gives this host ${what(want)} (${where})${exposure}`,
        { fix: `${deploy} puts the ${want} sandbox in place` },
      ),
    ];
  }
  return [check('sandbox', 'sandbox', 'ok', `runs ${what(f.installed)} (${where})${exposure}`)];
}

export interface LogDiskFact {
  logrotate: boolean;
  disk?: DiskUsage;
}

export function logDiskFact(logDir: string): FactSpec<LogDiskFact> {
  return {
    key: `doctor:log-disk:${logDir}`,
    script: `if command -v logrotate >/dev/null; then echo @@logrotate; fi; df -P ${quote(logDir)}`,
    parse: (out) => ({ logrotate: /^@@logrotate$/m.test(out), ...(parseDf(out) ? { disk: parseDf(out)! } : {}) }),
  };
}

export function checkLogDisk(inv: Inventory, f: LogDiskFact): Check[] {
  const dir = inv.paths.logDir;
  const out: Check[] = [];
  if (f.disk) {
    const d = f.disk;
    const seen = `${dir} is on ${d.mountedOn} (${d.filesystem}), ${d.usedPercent}% used, ${formatKiB(d.availableKiB)} free`;
    const full = d.availableKiB === 0;
    const verdict = full ? 'fail' : d.usedPercent > LOG_DISK_WARN_PERCENT ? 'warn' : 'ok';
    out.push(
      check('log-disk', 'log disk', verdict, full ? `${seen}: Envoy can no longer write its logs` : seen, {
        fix: `free space on ${d.mountedOn}; ${LOGROTATE_PATH} keeps 7 rotated logs per file (see \`du -sh ${dir}\`)`,
      }),
    );
  }
  if (!f.logrotate) {
    out.push(
      check(
        'logrotate',
        'logrotate',
        'warn',
        `logrotate is not installed: ${LOGROTATE_PATH} never runs and the logs grow until the disk is full`,
        { fix: 'apt-get install logrotate (its daily timer then rotates the logs)' },
      ),
    );
  }
  return out;
}
