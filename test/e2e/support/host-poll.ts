// Timing a state change on a lab host without the SSH round trip in the figure: one SSH session
// runs a loop on the host (python3, part of the lab's rootfs) that reads a local URL every
// `everyMs` and prints each answer stamped with the host's clock. Lab hosts are containers on
// this machine and share its clock, so that stamp minus the control-side time of the fault is
// the delay, to within one poll.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { quoteArgv } from '../../../src/ssh/quote.ts';
import { sshArgs, type LabInfo } from '../../lab/index.ts';

export interface PollResult {
  /** Seconds from the fault (`act`'s start, or its end) to the first poll that satisfied `ok`. */
  seconds: number;
  /** What that poll read. */
  body: string;
}

/** One load figure to print beside a timing: this machine's 1-minute load average. */
export function loadavg(): string {
  return `loadavg ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`;
}

/**
 * Starts polling `url` on `host` (every `everyMs`), runs `act` once the first poll has come
 * back, and resolves when a poll's body satisfies `ok`; rejects after `boundMs`. `from: 'act-end'`
 * times from the end of `act` (e.g. an apiserver started: it counts once it listens).
 */
export async function timeOnHost(
  lab: LabInfo,
  host: string,
  url: string,
  ok: (body: string) => boolean,
  act: () => unknown,
  { everyMs = 100, boundMs = 15_000, from = 'act-start' as 'act-start' | 'act-end' } = {},
): Promise<PollResult> {
  const address = lab.hosts.find((h) => h.name === host)?.address;
  if (!address) throw new Error(`no lab host ${host}`);
  // one record per poll: "@<ms since the epoch, taken after the answer> <body on one line>";
  // one python3 process for the whole watch (no fork per poll, so the watch itself stays light)
  const loop = [
    'import sys, time, urllib.request',
    'url, every, end = sys.argv[1], float(sys.argv[2]), time.time() + float(sys.argv[3])',
    'while time.time() < end:',
    '    try: body = urllib.request.urlopen(url, timeout=1).read().decode().replace("\\n", " ")',
    '    except OSError as e: body = "error " + str(e)',
    '    print("@%d %s" % (time.time() * 1000, body), flush=True)',
    '    time.sleep(every)',
  ].join('\n');
  const remote = quoteArgv(['python3', '-c', loop, url, String(everyMs / 1000), String(boundMs / 1000 + 5)]);
  const ssh = spawn('ssh', [...sshArgs(lab), `root@${address}`, remote], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: ssh.stdout });
  let t0: number | undefined;
  let last = '';
  const timer = setTimeout(() => ssh.kill(), boundMs + 10_000);
  try {
    for await (const line of lines) {
      const m = /^@(\d+) (.*)$/.exec(line);
      if (!m) continue;
      last = m[2]!;
      if (t0 === undefined) {
        const started = Date.now();
        await act();
        t0 = from === 'act-end' ? Date.now() : started;
        continue;
      }
      const at = Number(m[1]);
      if (at >= t0 && ok(last)) return { seconds: (at - t0) / 1000, body: last };
      if (Date.now() - t0 > boundMs) break;
    }
  } finally {
    clearTimeout(timer);
    ssh.kill();
  }
  throw new Error(`${host}: not within ${boundMs} ms of the fault; last read: ${last.slice(0, 500)}`);
}
