// A host flooding its logs at ~50 MB/s for 30 s while `logs -f` follows it: the control process's
// peak RSS (VmHWM) stays under a fixed bound, with a reader that takes 1 MB/s (backpressure) and
// with one that takes everything (bounded buffers). A bound on memory, not a timing assertion;
// the figures (bytes written, bytes streamed, peak RSS) are printed for the record.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.ts';
import { labOrSkip, sshRun } from '../../lab/index.ts';
import { deploy, onHost, spawnCli } from '../support/cli.ts';

const lab = labOrSkip();
const RATE = 50_000_000; // bytes per second
const SECONDS = 30;
const LINE = 16 * 1024; // journald keeps up with long lines; with short ones it ingests a few MB/s here
const BOUND_KIB = 200 * 1024;
const CUT = '[… line cut at 65536 bytes]';
const DROP_IN = '/run/systemd/system/envoy-k8s-proxy.service.d/ekp-flood.conf';
const FLOODER = '/usr/local/lib/ekp-flood.py';
const JOURNALD_CONF = '/run/systemd/journald.conf.d/ekp-flood.conf';

/** Writes `rate` bytes/s of numbered lines for `secs` to stdout (or appends to a file), optionally one huge line first. */
const FLOODER_PY = String.raw`import os, sys, time
rate, secs, size = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
fd = os.open(sys.argv[4], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640) if len(sys.argv) > 4 else 1
def put(b):
    v = memoryview(b)
    while v:
        v = v[os.write(fd, v):]
if len(sys.argv) > 5:
    put(b'huge ' + b'h' * int(sys.argv[5]) + b'\n')
pad = b'x' * (size - 18)
t0, sent, n = time.monotonic(), 0, 0
while time.monotonic() - t0 < secs:
    if sent > rate * (time.monotonic() - t0):
        time.sleep(0.001)
        continue
    block = b''.join(b'flood %010d ' % (n + i) + pad + b'\n' for i in range(64))
    put(block)
    n, sent = n + 64, sent + len(block)
sys.stderr.write('flood: %d lines, %d bytes in %.1f s\n' % (n, sent, time.monotonic() - t0))
`;

interface Follow {
  bytes: number;
  hwmKiB: number;
  sawCut: boolean;
  code: number | null;
}

/** Peak resident set size of a live process, from the kernel. */
function peakRssKiB(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

/** `logs -f` in a child whose stdout is read at `readRate` bytes/s (or as fast as it comes) while `flood` runs. */
async function followDuring(
  args: string[],
  readRate: number | null,
  remote: string,
  flood: () => Promise<void>,
): Promise<Follow> {
  // read here at a set rate: the helper must not buffer the flood too
  const child = spawnCli(['logs', '--hosts', lab!.inventoryPath, '-f', '-n', '0', ...args], { keepOutput: false });
  let bytes = 0;
  let tail = '';
  let sawCut = false;
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  child.stdout!.on('data', (c: Buffer) => {
    bytes += c.length;
    const text = tail + c.toString('latin1');
    sawCut ||= text.includes(Buffer.from(CUT).toString('latin1'));
    tail = text.slice(-64);
    if (readRate !== null) {
      child.stdout!.pause();
      setTimeout(() => child.stdout!.resume(), (c.length / readRate) * 1000);
    }
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const lb1 = lab!.hosts[0]!;
  await expect
    .poll(async () => (await sshRun(lab!, lb1.address, `pgrep -x ${remote}`)).code, { timeout: 15_000, interval: 200 })
    .toBe(0);
  await flood();
  const hwmKiB = peakRssKiB(child.pid!);
  child.kill('SIGINT');
  const code = await closed;
  if (code !== 0) console.error(stderr);
  return { bytes, hwmKiB, sawCut, code };
}

async function waitInactive(host: string, unit: string): Promise<void> {
  await expect
    .poll(async () => (await onHost(lab!, host, `systemctl is-active ${unit} || true`)).trim(), {
      timeout: (SECONDS + 40) * 1000,
      interval: 1000,
    })
    .not.toMatch(/^(active|activating)$/);
}

const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;

describe.skipIf(!lab)('a host flooding its logs', () => {
  let accessLog = '';
  beforeAll(async () => {
    await deploy(lab!.inventoryPath);
    accessLog = (await loadInventory(lab!.inventoryPath)).accessLog.path;
    await onHost(lab!, 'lb1', `cat > ${FLOODER} <<'EOF'\n${FLOODER_PY}EOF`);
  });
  afterAll(async () => {
    // lb1 as the other files expect it: the real service, journald's defaults and a short journal,
    // an access log Envoy creates again with real entries
    await onHost(
      lab!,
      'lb1',
      `rm -f ${DROP_IN} ${FLOODER} ${JOURNALD_CONF} ${accessLog}; systemctl stop ekp-access-flood 2>/dev/null; systemctl daemon-reload; systemctl restart systemd-journald; journalctl --rotate --vacuum-size=1M -q; systemctl reset-failed envoy-k8s-proxy; systemctl restart envoy-k8s-proxy`,
    );
  });

  it(`journal flooded at up to 50 MB/s for ${SECONDS} s, read at 1 MB/s: the follow pauses the host, RSS stays bounded`, async () => {
    const since = (await onHost(lab!, 'lb1', 'date +%s')).trim();
    const r = await followDuring([], 1_000_000, 'journalctl', async () => {
      // the service itself floods its journal (what the follow reads); journald's rate limits off,
      // globally too: the per-unit setting needs cgroup xattrs, which a container may not have
      await onHost(
        lab!,
        'lb1',
        `mkdir -p $(dirname ${JOURNALD_CONF}) && printf '[Journal]\\nRateLimitIntervalSec=0\\n' > ${JOURNALD_CONF} && systemctl restart systemd-journald`,
      );
      const conf = `[Service]\nExecStartPre=\nExecStart=\nExecStart=/usr/bin/python3 ${FLOODER} ${RATE} ${SECONDS} ${LINE}\nRestart=no\nLogRateLimitIntervalSec=0\n`;
      await onHost(
        lab!,
        'lb1',
        `mkdir -p $(dirname ${DROP_IN}) && cat > ${DROP_IN} <<'EOF'\n${conf}EOF\nsystemctl daemon-reload && systemctl restart envoy-k8s-proxy`,
      );
      await waitInactive('lb1', 'envoy-k8s-proxy');
    });
    // the journal kept up: the flooder's report is there, its last line just before it, none of it suppressed
    const last = (await onHost(lab!, 'lb1', 'journalctl _SYSTEMD_UNIT=envoy-k8s-proxy.service -o cat -n 2'))
      .trim()
      .split('\n');
    const report = /^flood: (\d+) lines, (\d+) bytes in ([\d.]+) s$/.exec(last[1] ?? '');
    const suppressed = await onHost(
      lab!,
      'lb1',
      `journalctl -u systemd-journald --since @${since} -o cat | grep 'Suppressed.*envoy-k8s-proxy' || true`,
    );
    console.log(
      `journal flood: ${report ? `${mb(Number(report[2]))} into lb1's journal in ${report[3]} s (${mb(Number(report[2]) / Number(report[3]))}/s)` : 'no report'}; ` +
        `logs -f read at 1 MB/s: ${mb(r.bytes)} streamed, peak RSS ${(r.hwmKiB / 1024).toFixed(0)} MiB`,
    );
    expect(r.code).toBe(0);
    expect(r.bytes).toBeGreaterThan(1_000_000);
    expect(r.hwmKiB).toBeLessThan(BOUND_KIB);
    expect(report, last.join('\n').slice(0, 300)).not.toBeNull();
    expect(last[0]!.startsWith(`flood ${String(Number(report![1]) - 1).padStart(10, '0')} `)).toBe(true);
    expect(suppressed).toBe('');
  });

  it(`access log at 50 MB/s for ${SECONDS} s, read as fast as it comes: RSS stays bounded, a 1 MiB line arrives cut`, async () => {
    const r = await followDuring(['--access'], null, 'tail', async () => {
      await onHost(
        lab!,
        'lb1',
        `systemd-run --quiet --unit=ekp-access-flood -p User=envoy /usr/bin/python3 ${FLOODER} ${RATE} ${SECONDS} ${LINE} ${accessLog} ${1 << 20}`,
      );
      await waitInactive('lb1', 'ekp-access-flood');
    });
    const size = Number((await onHost(lab!, 'lb1', `stat -c %s ${accessLog}`)).trim());
    console.log(
      `access-log flood: ${mb(size)} appended on lb1; logs --access -f read as it came: ${mb(r.bytes)} streamed, peak RSS ${(r.hwmKiB / 1024).toFixed(0)} MiB`,
    );
    expect(r.code).toBe(0);
    expect(r.bytes).toBeGreaterThan(100_000_000);
    expect(r.hwmKiB).toBeLessThan(BOUND_KIB);
    expect(r.sawCut).toBe(true);
  });
});
