// A host's restart through Envoy's hot restart (rolling.hotRestart): `systemctl reload` has the
// restarter (render/hot-restarter.ts) start the next epoch, which takes the listening sockets over
// from the running one (Envoy docs: intro/arch_overview/operations/hot_restart). No connection is
// refused at any moment, so it needs no hand-off or drain first; the old epoch keeps its
// established connections for the drain period, then ends them (a FIN each) as it exits.
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { quote, type Transport } from '../ssh/index.ts';
import { RemoteError, ToolError } from '../errors.ts';
import { answered, curlSaid } from '../facts/admin.ts';
import { readFacts } from '../facts/gather.ts';
import { unitFact } from '../facts/system.ts';
import type { FactSpec } from '../facts/types.ts';
import { UNIT_NAME, UNIT_PATH } from '../render/index.ts';
import { adminGet } from './admin.ts';
import { refusal, validateLive } from './drain.ts';
import { waitHealthy } from './gate.ts';
import { journalTail } from './journal.ts';

/** What /server_info says about the running epoch. */
export interface RunningEpoch {
  epoch: number;
  state: string;
  hotRestartVersion: string;
  hotRestartOff: boolean;
}

export function parseServerInfo(body: string): RunningEpoch | undefined {
  try {
    const j = JSON.parse(body) as {
      state?: string;
      hot_restart_version?: string;
      command_line_options?: { restart_epoch?: number; disable_hot_restart?: boolean };
    };
    return {
      epoch: Number(j.command_line_options?.restart_epoch ?? 0),
      state: String(j.state ?? ''),
      hotRestartVersion: String(j.hot_restart_version ?? ''),
      hotRestartOff: Boolean(j.command_line_options?.disable_hot_restart),
    };
  } catch {
    return undefined;
  }
}

/** The installed unit file's mtime and the `current` release's hot restart version. */
function installedFact(inv: Inventory): FactSpec<{ unitMtime: number; hotRestartVersion: string }> {
  const envoy = quote(posix.join(inv.paths.installDir, 'current', 'envoy'));
  return {
    key: `hot-restart:${inv.paths.installDir}`,
    script: `stat -c %Y ${quote(UNIT_PATH)} 2>/dev/null || echo 0; ${envoy} --hot-restart-version 2>/dev/null || true`,
    parse(out) {
      const [mtime, version] = out.split('\n');
      return { unitMtime: Number(mtime) || 0, hotRestartVersion: (version ?? '').trim() };
    },
  };
}

/**
 * Whether this host's restart can be a hot restart: the epoch running now, or why not (then it is
 * stopped and started like any host). Not with the unit changed since the restarter started (its
 * command line is the old one), nor across releases whose hot restart versions differ (Envoy only
 * hot restarts between processes of one hot restart version).
 */
export async function coldReason(
  t: Transport,
  inv: Inventory,
): Promise<{ active: boolean } & ({ epoch: number } | { why: string })> {
  const unit = unitFact(UNIT_NAME);
  const info = adminGet(inv, { info: '/server_info' });
  const installed = installedFact(inv);
  const f = await readFacts(t, [unit, info, installed], { what: 'the running epoch' });
  const u = f.get(unit);
  const reply = f.get(info)?.info;
  const i = f.get(installed);
  const active = u?.activeState === 'active';
  const cold = (why: string) => ({ active, why });
  if (!u || !reply || !i) return cold(`the host's state could not be read: ${f.stderr.trim() || `exit ${f.code}`}`);
  if (!active) return cold(`the unit is ${u.activeState}`);
  const running = answered(reply) ? parseServerInfo(reply.body) : undefined;
  if (!running) return cold(`admin /server_info did not answer (${reply.status || curlSaid(reply)})`);
  if (running.hotRestartOff) return cold('the running Envoy was started with hot restart off');
  if (u.execMainStartAt && i.unitMtime > u.execMainStartAt) return cold('the unit changed since the service started');
  if (i.hotRestartVersion !== running.hotRestartVersion)
    return cold(
      `the installed release's hot restart version ${i.hotRestartVersion || '(none)'} is not the running ${running.hotRestartVersion}`,
    );
  return { active, epoch: running.epoch };
}

/**
 * Checks the config with the binary that will run it, reloads the unit (SIGHUP to the restarter),
 * waits for the next epoch to be LIVE on the admin address, then gates on health like a restart.
 */
export async function hotRestartOne(
  t: Transport,
  inv: Inventory,
  host: HostSpec,
  o: { epoch: number; healthTimeoutMs: number; minHealthy: number; signal?: AbortSignal; validated?: boolean },
): Promise<string> {
  const t0 = Date.now();
  const check = await validateLive(t, inv, o.validated);
  if (!check.ok)
    throw new ToolError(
      'remote',
      `envoy --mode validate refused the live config; not restarted: ${refusal(check.output)}`,
      {
        host: host.name,
      },
    );
  const res = await t.exec(['systemctl', 'reload', UNIT_NAME]);
  if (res.code !== 0)
    throw new RemoteError(host.name, `reload ${UNIT_NAME}`, 'systemctl reload', res.code, res.stderr.trim());
  const next = o.epoch + 1;
  const unit = unitFact(UNIT_NAME);
  const info = adminGet(inv, { info: '/server_info' });
  const deadline = t0 + o.healthTimeoutMs;
  for (;;) {
    if (o.signal?.aborted)
      throw new ToolError('interrupted', `interrupted while epoch ${next} started`, { host: host.name });
    const f = await readFacts(t, [unit, info], { what: `epoch ${next}` });
    const reply = f.get(info)?.info;
    const running = reply && answered(reply) ? parseServerInfo(reply.body) : undefined;
    if (running && running.epoch >= next && running.state === 'LIVE') break;
    // the restarter took every epoch down (a new one failed): systemd restarts the service
    const u = f.get(unit);
    if ((u && u.activeState !== 'active') || (running && running.epoch < o.epoch))
      throw new ToolError('remote', `hot restart to epoch ${next} failed — journal: ${await journalTail(t)}`, {
        host: host.name,
      });
    if (Date.now() >= deadline)
      throw new ToolError(
        'remote',
        `epoch ${next} not live after ${Math.round(o.healthTimeoutMs / 1000)}s (admin says epoch ${running?.epoch ?? '?'}, ${running?.state ?? 'no answer'})`,
        { host: host.name },
      );
    await new Promise((r) => setTimeout(r, 200));
  }
  const gate = await waitHealthy(t, inv, {
    timeoutMs: Math.max(1000, deadline - Date.now()),
    minHealthy: o.minHealthy,
    ...(o.signal && { signal: o.signal }),
  });
  if (!gate.ok) throw new ToolError('remote', gate.reason, { host: host.name });
  return `hot restart to epoch ${next}, listening sockets kept; healthy in ${((Date.now() - t0) / 1000).toFixed(1)}s`;
}
