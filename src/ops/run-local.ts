// Run Envoy in the foreground on this machine with one host's rendered config (like
// `make run-envoy`): the config goes to a temp dir that is also its configDir, so the lds/cds/eds
// paths in envoy.yaml point there; signals go to Envoy; the temp dir is removed afterwards.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { renderConfigFiles } from '../render/index.ts';
import { ToolError } from '../errors.ts';

export interface LocalRunOptions {
  envoy: string;
  logLevel: string;
  /** --base-id for running next to another Envoy with hot restart; otherwise hot restart is off. */
  baseId?: number;
  /** Told the temp dir and argv before Envoy starts. */
  onStart?(dir: string, argv: string[]): void;
}

/**
 * The inventory as run locally: access log lines go to Envoy's stdout instead of a host path, and
 * the metrics and health listeners bind loopback unless the inventory names an address (the host's own
 * address rarely exists on this machine).
 */
export function localInventory(inv: Inventory): Inventory {
  const local = inv.accessLog.enabled ? { ...inv, accessLog: { ...inv.accessLog, path: '/dev/stdout' } } : inv;
  const metrics =
    inv.metrics.enabled && inv.metrics.address === undefined ? { ...inv.metrics, address: '127.0.0.1' } : inv.metrics;
  const health =
    inv.healthListener.enabled && inv.healthListener.address === undefined
      ? { ...inv.healthListener, address: '127.0.0.1' }
      : inv.healthListener;
  return { ...local, metrics, healthListener: health };
}

export function envoyArgs(
  dir: string,
  o: Pick<LocalRunOptions, 'logLevel' | 'baseId'>,
  concurrency?: number,
): string[] {
  const args = ['-c', join(dir, 'envoy.yaml'), '--log-level', o.logLevel];
  if (concurrency !== undefined) args.push('--concurrency', String(concurrency));
  args.push(...(o.baseId !== undefined ? ['--base-id', String(o.baseId)] : ['--disable-hot-restart']));
  return args;
}

/** Resolves with Envoy's exit code (128 + signal number when a signal ended it). */
export async function runLocal(inv: Inventory, host: HostSpec, o: LocalRunOptions): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), `ekp-run-${host.name}-`));
  try {
    for (const f of renderConfigFiles(localInventory(inv), host, { configDir: dir }))
      await writeFile(join(dir, f.name), f.content, { mode: 0o600 });
    const args = envoyArgs(dir, o, inv.envoy.concurrency);
    o.onStart?.(dir, [o.envoy, ...args]);
    return await runForeground(o.envoy, args);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Spawn in its own process group so a terminal's Ctrl-C reaches Envoy once: through us. */
function runForeground(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    const forward = (sig: NodeJS.Signals) => () => void child.kill(sig);
    const handlers = { SIGINT: forward('SIGINT'), SIGTERM: forward('SIGTERM'), SIGHUP: forward('SIGHUP') };
    for (const [sig, h] of Object.entries(handlers)) process.on(sig, h);
    const done = () => {
      for (const [sig, h] of Object.entries(handlers)) process.off(sig, h);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(
        new ToolError('usage', `cannot start ${cmd}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, {
          cause: err,
        }),
      );
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
