// Checks of the service itself: the unit, the installed binary, and who owns the listening ports.
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { UnitFact } from '../facts/system.ts';
import type { PathFact } from '../facts/file.ts';
import { archOf } from '../release/url.ts';
import { expectedSha, type Pins } from '../release/pins.ts';
import { UNIT_NAME } from '../render/index.ts';
import { check, type Check } from './types.ts';
import { isLoopback, socketsFor, type ListenSocket } from './parse-ss.ts';

export function checkUnit(u: UnitFact, inventory: string, host: string): Check[] {
  const deploy = `run \`envoy-k8s-proxy deploy --hosts ${inventory} --limit ${host}\``;
  if (u.loadState !== 'loaded') {
    return [check('unit', 'unit', 'fail', `${UNIT_NAME} is not installed (LoadState=${u.loadState})`, { fix: deploy })];
  }
  const out: Check[] = [];
  const enabled = u.unitFileState === 'enabled';
  out.push(
    check('unit-enabled', 'enabled', enabled ? 'ok' : 'warn', `${UNIT_NAME} is ${u.unitFileState || 'not enabled'}`, {
      fix: `it will not start at boot: systemctl enable ${UNIT_NAME} (or ${deploy})`,
    }),
  );
  const active = u.activeState === 'active';
  const state = `${u.activeState}${u.subState ? ` (${u.subState})` : ''}`;
  out.push(
    check(
      'unit-active',
      'active',
      active ? 'ok' : 'fail',
      active ? `${state}, main pid ${u.mainPid}, ${u.nRestarts} restart(s)` : `${UNIT_NAME} is ${state}`,
      {
        fix: `see the journal lines below and \`journalctl -u ${UNIT_NAME} -n 50\`; start it with systemctl start ${UNIT_NAME} or ${deploy}`,
      },
    ),
  );
  if (u.needDaemonReload)
    out.push(
      check('unit-reload', 'unit file', 'warn', 'the unit file changed on disk since systemd loaded it', {
        fix: `systemctl daemon-reload, or ${deploy}`,
      }),
    );
  return out;
}

export interface BinaryFacts {
  machine: string;
  binary: PathFact;
  version: { ok: boolean; text: string };
  /** Version the running Envoy reports through /server_info, when it answered. */
  running?: string;
}

export function checkBinary(inv: Inventory, lock: Pins, f: BinaryFacts, host: string): Check[] {
  const bin = posix.join(inv.paths.installDir, 'current', 'envoy');
  const fix = `run \`envoy-k8s-proxy deploy --hosts ${inv.name} --limit ${host}\` to install Envoy ${inv.envoy.version}`;
  if (f.binary.type !== 'file')
    return [check('binary', 'binary', 'fail', `${bin} is missing (${f.binary.type})`, { fix })];
  const out: Check[] = [];
  const version = /version: [0-9a-f]+\/([^/\s]+)\//.exec(f.version.text)?.[1];
  if (!f.version.ok || !version) {
    out.push(
      check(
        'binary-version',
        'version',
        'fail',
        `${bin} --version failed: ${f.version.text.split('\n')[0] || 'no output'}`,
        { fix },
      ),
    );
  } else {
    out.push(
      check(
        'binary-version',
        'version',
        version === inv.envoy.version ? 'ok' : 'fail',
        `envoy ${version} installed${version === inv.envoy.version ? '' : `, the inventory wants ${inv.envoy.version}`}`,
        { fix },
      ),
    );
  }
  const arch = archOf(f.machine);
  let want: string | undefined;
  try {
    want = arch ? expectedSha(inv, lock, arch) : undefined;
  } catch {
    want = undefined;
  }
  if (!want)
    out.push(
      check(
        'binary-sha256',
        'sha256',
        'warn',
        `no expected sha256 for Envoy ${inv.envoy.version} ${arch ?? f.machine}: cannot verify ${f.binary.sha256.slice(0, 12)}…`,
        { fix: `run \`envoy-k8s-proxy download --hosts ${inv.name}\` or set envoy.sha256 in ${inv.file}` },
      ),
    );
  else if (want === f.binary.sha256)
    out.push(
      check(
        'binary-sha256',
        'sha256',
        'ok',
        `${f.binary.sha256.slice(0, 16)}… matches the expected checksum (${arch})`,
      ),
    );
  else
    out.push(
      check(
        'binary-sha256',
        'sha256',
        'fail',
        `sha256 ${f.binary.sha256.slice(0, 16)}… differs from the expected ${want.slice(0, 16)}…`,
        { fix },
      ),
    );
  if (f.running && version && f.running !== version) {
    out.push(
      check('binary-running', 'running', 'warn', `the running Envoy is ${f.running}, the installed one ${version}`, {
        fix: `restart it: envoy-k8s-proxy deploy --hosts ${inv.name} --limit ${host} (rolling)`,
      }),
    );
  }
  return out;
}

/**
 * Every listener port is bound by the unit's processes (its main process, or under hot restart an
 * Envoy epoch the restarter started); the admin port on loopback only. `pids`: the unit's
 * processes, the main pid first; empty when it is not running.
 */
export function checkPorts(inv: Inventory, host: HostSpec, sockets: ListenSocket[], pids: number[]): Check[] {
  const out: Check[] = [];
  const mainPid = pids[0] ?? 0;
  const owner = (s: ListenSocket) =>
    s.processes.map((p) => `${p.name} (pid ${p.pid})`).join(', ') || 'an unknown process';
  const ownedByEnvoy = (s: ListenSocket) => s.processes.some((p) => p.pid > 0 && pids.includes(p.pid));
  for (const c of inv.clusters) {
    const addr = host.listenAddress ?? c.listenAddress;
    const bound = socketsFor(sockets, addr, c.listenPort);
    const id = `listen:${c.listenPort}`;
    const title = `listen ${c.listenPort}`;
    if (bound.length === 0) {
      out.push(
        check(id, title, 'fail', `nothing listens on ${addr}:${c.listenPort} (${c.name})`, {
          fix: 'Envoy is not running or has not added the listener: see the unit and journal lines',
        }),
      );
    } else if (!bound.some(ownedByEnvoy)) {
      out.push(
        check(
          id,
          title,
          'fail',
          `${addr}:${c.listenPort} is bound by ${bound.map(owner).join('; ')}, not by the unit's processes (main pid ${mainPid || 'none'})`,
          { fix: `stop whatever holds port ${c.listenPort}, then restart ${UNIT_NAME}` },
        ),
      );
    } else {
      out.push(
        check(
          id,
          title,
          'ok',
          `${bound[0]!.address}:${c.listenPort} bound by ${owner(bound.find(ownedByEnvoy)!)} for ${c.name}`,
        ),
      );
    }
  }
  const admin = sockets.filter((s) => s.port === inv.admin.port);
  const exposed = admin.filter((s) => !isLoopback(s.address));
  if (admin.length === 0) {
    out.push(
      check('admin-port', 'admin port', 'fail', `nothing listens on ${inv.admin.address}:${inv.admin.port}`, {
        fix: 'Envoy is not running: see the unit and journal lines',
      }),
    );
  } else if (exposed.length) {
    out.push(
      check(
        'admin-port',
        'admin port',
        'fail',
        `admin port ${inv.admin.port} is bound on ${exposed.map((s) => s.address).join(', ')}: anyone who can reach it can drain or stop Envoy`,
        { fix: `bind admin.address to 127.0.0.1 (or stop what holds port ${inv.admin.port}) and redeploy` },
      ),
    );
  } else {
    out.push(
      check(
        'admin-port',
        'admin port',
        admin.some(ownedByEnvoy) ? 'ok' : 'warn',
        `${admin.map((s) => `${s.address}:${s.port}`).join(', ')} (loopback only) bound by ${owner(admin[0]!)}`,
        { fix: `port ${inv.admin.port} is held by another process than ${UNIT_NAME}` },
      ),
    );
  }
  return out;
}
