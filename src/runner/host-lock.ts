// One run at a time per host: a changing run holds flock(1) on /run/lock/envoy-k8s-proxy.lock
// from a long-lived remote process for as long as it may touch the host (its tasks and the
// fleet's handlers). A second run waits a few seconds, then fails that host naming the holder.
import { hostname, userInfo } from 'node:os';
import type { Transport } from '../ssh/index.ts';
import { ToolError } from '../errors.ts';
import { quote } from '../ssh/index.ts';

export const LOCK_PATH = '/run/lock/envoy-k8s-proxy.lock';
const HELD = 75; // EX_TEMPFAIL

export interface HostLock {
  release(): Promise<void>;
}

export function lockScript(holder: string, waitS: number): string {
  const f = quote(LOCK_PATH);
  return [
    `exec 9>>${f}`,
    `if ! flock -w ${waitS} 9; then echo "another envoy-k8s-proxy run holds ${LOCK_PATH}: $(cat ${f})" >&2; exit ${HELD}; fi`,
    `: > ${f}; echo ${quote(holder)} "since $(date -u +%FT%TZ)" >&9`,
    'echo locked',
    // held until the run releases it (the transport kills this process group) or the session
    // that started it is gone
    'p=$PPID; while kill -0 "$p" 2>/dev/null; do sleep 1; done',
  ].join('\n');
}

export async function acquireHostLock(t: Transport, opts: { waitS?: number } = {}): Promise<HostLock> {
  const waitS = opts.waitS ?? 10;
  const ac = new AbortController();
  const holder = `${userInfo().username}@${hostname()} pid ${process.pid}`;
  let locked!: () => void;
  const acquired = new Promise<void>((resolve) => (locked = resolve));
  let out = '';
  const held = t
    .exec(['sh', '-c', lockScript(holder, waitS)], {
      signal: ac.signal,
      onStdout: (c) => {
        out += c.toString();
        if (out.includes('locked')) locked();
      },
    })
    .catch((err: unknown) => ({ code: null, stdout: '', stderr: err instanceof Error ? err.message : String(err) }));
  const first = await Promise.race([acquired.then(() => 'locked' as const), held]);
  if (first !== 'locked') {
    const why = first.code === HELD ? first.stderr.trim() : `unable to take ${LOCK_PATH}: ${first.stderr.trim() || `exit ${first.code}`}`;
    throw new ToolError('remote', why, { host: t.host });
  }
  return {
    async release() {
      ac.abort();
      await held;
    },
  };
}
