// A deploy's gate, host by host: after its tasks and restart, a host must serve with enough
// healthy endpoints (failing as soon as the health checker has judged them all), then stay so for
// a short soak without new upstream connect failures beyond a threshold. A host that fails gets
// its previous release and config back (restarted when the release or bootstrap had changed) and
// is checked again.
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { answered } from '../facts/admin.ts';
import { readFacts } from '../facts/gather.ts';
import { unitFact, type UnitFact } from '../facts/system.ts';
import { UNIT_NAME } from '../render/index.ts';
import { LOAD_BOUND_S } from '../modules/xds-loaded.ts';
import { adminGet } from './admin.ts';
import { diskVersionsFact, judgeLoaded, LOADED_STATS_PATH, loadedProblem, parseStatsText } from './loaded.ts';
import { quote, type Transport } from '../ssh/index.ts';
import { RemoteError } from '../errors.ts';
import { commitPreviousCommand, restorePreviousCommand } from '../modules/file-set.ts';
import { switchLinkCommand } from '../modules/release-switch.ts';
import type { Gate, TaskKey } from '../runner/types.ts';
import { judge, newConnectFailures, observe, type GateView, type Verdict } from './gate-probe.ts';
import { restartOne } from './rolling.ts';
import { handOverBeforeDrain } from './vip.ts';

export interface GateTuning {
  intervalMs: number;
}

export const GATE_DEFAULTS: GateTuning = { intervalMs: 500 };

/** Which tasks' changes a rollback must undo with more than the config files. */
export interface GateKeys {
  releaseSwitched: TaskKey;
  restarted: TaskKey;
}

export function deployGate(inv: Inventory, keys: GateKeys, tuning: GateTuning = GATE_DEFAULTS): Gate {
  const exec = async (t: Transport, action: string, command: string) => {
    const r = await t.exec(command);
    if (r.code !== 0) throw new RemoteError(t.host, action, command, r.code, r.stderr || r.stdout);
    return r.stdout;
  };
  const healthy = async (t: Transport): Promise<{ verdict: Verdict; view?: GateView }> => {
    const deadline = Date.now() + inv.rolling.healthTimeoutMs;
    let last: Verdict = { state: 'wait', reason: 'not checked' };
    for (;;) {
      const view = await observe(t, inv);
      last = judge(inv, view, inv.rolling.minHealthyEndpoints);
      if (last.state !== 'wait') return { verdict: last, view };
      if (Date.now() >= deadline) break;
      await sleep(tuning.intervalMs);
    }
    const s = Math.round(inv.rolling.healthTimeoutMs / 1000);
    return { verdict: { state: 'fail', reason: `not healthy after ${s}s: ${last.reason}` } };
  };
  const unit = unitFact(UNIT_NAME);
  return {
    serial: inv.rolling.serial,
    fresh(ctx) {
      let u: UnitFact;
      try {
        u = ctx.facts.get(unit);
      } catch {
        return false; // a play that does not read the unit: treat the host as serving, one turn each
      }
      return u.loadState === 'not-found' || u.activeState === 'inactive' || u.activeState === 'failed';
    },
    async check(t) {
      const t0 = Date.now();
      const h = await healthy(t);
      if (h.verdict.state === 'fail' || !h.view) return { ok: false, reason: h.verdict.reason };
      await sleep(inv.rolling.soakMs);
      const after = await observe(t, inv);
      const still = judge(inv, after, inv.rolling.minHealthyEndpoints);
      if (still.state !== 'ok') return { ok: false, reason: `during the soak: ${still.reason}` };
      const fails = newConnectFailures(inv, h.view, after);
      const soak = `${inv.rolling.soakMs / 1000}s soak, ${fails} new connect failures`;
      if (fails > inv.rolling.maxConnectFailures)
        return { ok: false, reason: `${soak} (more than ${inv.rolling.maxConnectFailures})` };
      return { ok: true, reason: `${still.reason}; ${soak}; gate ${((Date.now() - t0) / 1000).toFixed(1)}s` };
    },
    async commit(t) {
      await exec(t, 'drop the previous config files', commitPreviousCommand(inv.paths.configDir));
    },
    async rollback(t, host, changed, conns) {
      const done: string[] = [];
      if (changed.has(keys.releaseSwitched)) done.push(await switchBack(t, inv));
      await exec(t, 'restore the previous config files', restorePreviousCommand(inv.paths.configDir));
      done.push('previous config files');
      // Envoy reloads them on the rename, asynchronously: judge health only once it has
      const loaded = await waitLoaded(t, host, tuning);
      if (loaded) done.push(loaded);
      if (changed.has(keys.releaseSwitched) || changed.has(keys.restarted)) {
        // a holder of the VIP hands it to a ready peer first, as in the forward restart
        const beforeDrain = conns && handOverBeforeDrain(inv, conns);
        await restartOne(t, inv, host, { ...rollingOptions(inv), ...(beforeDrain && { beforeDrain }) });
        done.push('restarted');
      }
      const again = await healthy(t);
      done.push(again.verdict.state === 'ok' ? 'healthy again' : `still unhealthy: ${again.verdict.reason}`);
      return done.join(', ');
    },
  };

  /** Until Envoy reports the files on disk loaded (or does not answer); a phrase when it did not. */
  async function waitLoaded(t: Transport, host: HostSpec, o: GateTuning): Promise<string | undefined> {
    const deadline = Date.now() + LOAD_BOUND_S * 1000;
    const versions = diskVersionsFact(inv, host);
    const stats = adminGet(inv, { loaded: LOADED_STATS_PATH });
    for (;;) {
      const f = await readFacts(t, [versions, stats], { what: 'the loaded config' });
      const reply = f.get(stats)?.loaded;
      const l = judgeLoaded(
        inv,
        host,
        f.get(versions) ?? new Map(),
        reply && answered(reply) ? parseStatsText(reply.body) : undefined,
      );
      if (l.state === 'in-sync' || l.state === 'unknown') return undefined;
      if (Date.now() >= deadline) return loadedProblem(l);
      await sleep(o.intervalMs / 2);
    }
  }

  async function switchBack(t: Transport, i: Inventory): Promise<string> {
    const current = posix.join(i.paths.installDir, 'current');
    const previous = posix.join(i.paths.installDir, 'previous');
    const links = (await exec(t, 'read the release links', `readlink ${quote(current)} ${quote(previous)}`))
      .trim()
      .split('\n');
    const [cur, prev] = links;
    if (!cur || !prev) throw new RemoteError(t.host, 'switch back', 'readlink', 1, 'no previous release to go back to');
    await exec(
      t,
      `switch back to ${prev}`,
      `${switchLinkCommand(current, prev)} && ${switchLinkCommand(previous, cur)}`,
    );
    return `release back to ${prev.replace('releases/', '')}`;
  }
}

function rollingOptions(inv: Inventory) {
  return {
    serial: inv.rolling.serial,
    drainMs: inv.rolling.drainMs,
    healthTimeoutMs: inv.rolling.healthTimeoutMs,
    minHealthy: inv.rolling.minHealthyEndpoints,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
