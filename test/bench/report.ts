// Turning measured figures into the printed report: the table, the issue's targets as ratios, the
// Ansible reference, and where each figure's time goes.
import type { Machine } from './machine.ts';
import type { Figure, HostsRun } from './run.ts';
import type { Sample } from './tool.ts';

/** Issue 8's Ansible reference (same playbook shape, seconds): no-op and fresh deploy by host count. */
export const ANSIBLE: Record<number, { noop: [number, number]; fresh: [number, number] }> = {
  1: { noop: [9, 11], fresh: [12, 12] },
  4: { noop: [26, 26], fresh: [32, 32] },
  8: { noop: [57, 57], fresh: [65, 65] },
};

export const TARGETS = {
  overUploadOnce: 1.3,
  noopOverFloor: 2,
  noopHostCpuOverFloor: 2,
  rssMiB: 150,
  ansibleNoopAt8: 10,
  ansibleFreshAt8: 5,
};

export interface Verdict {
  target: string;
  hosts: number;
  value: string;
  met: boolean | null; // null: not measurable here
}

const sec = (ms: number) => (ms / 1000).toFixed(2);
const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)}×` : '-');
const pct = (x: number) => `${Math.round(x * 100)}%`;

export function bytes(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '-';
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function trips(s: Sample): string {
  if (!s.roundTrips) return '-';
  return s.roundTrips.min === s.roundTrips.max ? String(s.roundTrips.max) : `${s.roundTrips.min}-${s.roundTrips.max}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function figuresTable(startup: Figure, runs: HostsRun[]): string {
  const rows = [
    [
      'hosts',
      'figure',
      'wall s',
      '×floor',
      'round trips/host',
      'sent',
      'sent/host',
      'peak RSS MiB',
      'CPU s',
      'host CPU s/host',
      '×floor',
      '(/proc/stat)',
    ],
  ];
  const m = startup.median;
  rows.push([
    '-',
    startup.label,
    sec(m.wallMs),
    '-',
    '-',
    '-',
    '-',
    m.maxRssMiB.toFixed(0),
    sec(m.cpuMs),
    '-',
    '-',
    '-',
  ]);
  for (const r of runs) {
    const fc = r.floor.hostCpu;
    rows.push([
      String(r.hosts),
      'floor: parallel ssh true',
      sec(r.floor.medianMs),
      '1.0×',
      '1',
      '-',
      '-',
      '-',
      '-',
      cpuSec(fc.cgroupPerHostMs),
      '1.0×',
      cpuSec(fc.procStatPerHostMs),
    ]);
    const dash = ['-', '-', '-', '-', '-', '-'];
    rows.push([
      String(r.hosts),
      'floor: upload once (scp to 1 host)',
      sec(r.upload.onceMs),
      '-',
      '-',
      bytes(r.releaseBytes),
      ...dash,
    ]);
    const all = r.releaseBytes * r.hosts;
    rows.push([
      String(r.hosts),
      'floor: upload to all (parallel scp)',
      sec(r.upload.allMs),
      '-',
      '-',
      bytes(all),
      ...dash,
    ]);
    for (const f of r.figures) {
      const x = f.median;
      rows.push([
        String(r.hosts),
        f.label,
        sec(x.wallMs),
        ratio(x.wallMs / r.floor.medianMs),
        trips(x),
        bytes(x.bytesSent),
        bytes(x.bytesPerHost),
        x.maxRssMiB.toFixed(0),
        sec(x.cpuMs),
        cpuSec(x.hostCpu?.cgroupPerHostMs ?? null),
        ratio(hostCpuOf(x) / hostCpuOf(r.floor)),
        cpuSec(x.hostCpu?.procStatPerHostMs ?? null),
      ]);
    }
  }
  return table(rows);
}

const cpuSec = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? '-' : (ms / 1000).toFixed(3));

/** Host CPU per host: the lab cgroups' figure where there is one (other labs do not count), else /proc/stat's. */
export function hostCpuOf(x: { hostCpu?: Sample['hostCpu'] }): number {
  if (!x.hostCpu) return NaN;
  return x.hostCpu.cgroupPerHostMs ?? x.hostCpu.procStatPerHostMs;
}

const find = (r: HostsRun, name: Figure['name']) => r.figures.find((f) => f.name === name)!.median;

function largest(runs: HostsRun[], want: number): HostsRun | undefined {
  return runs.find((r) => r.hosts === want) ?? [...runs].sort((a, b) => b.hosts - a.hosts)[0];
}

/** Below this a release's transfer is lost in the rest of a deploy (`--release-mib` for real size). */
const SMALL_RELEASE = 8 * 2 ** 20;

const BINARY_TASK = /^envoy_binary: envoy .* binary$/;

export function verdicts(runs: HostsRun[]): Verdict[] {
  const out: Verdict[] = [];
  const big = largest(runs, 16);
  if (big) {
    const noop = find(big, 'noop');
    const x = noop.wallMs / big.floor.medianMs;
    out.push({
      target: `no-op deploy within ${TARGETS.noopOverFloor}× the parallel ssh floor`,
      hosts: big.hosts,
      value: `${ratio(x)} (${sec(noop.wallMs)} s vs ${sec(big.floor.medianMs)} s)`,
      met: x <= TARGETS.noopOverFloor,
    });
    const fresh = find(big, 'fresh');
    const bin = fresh.tasks.find((t) => BINARY_TASK.test(t.task));
    const top = [...fresh.tasks].sort((a, b) => b.msMax - a.msMax)[0];
    const binBytes = (big.releaseBytes * big.hosts) / (fresh.bytesSent ?? NaN);
    out.push({
      target: 'fresh deploy dominated by the binary transfer',
      hosts: big.hosts,
      value: `binary task ${bin ? `${sec(bin.msMax)} s = ${pct(bin.msMax / fresh.wallMs)} of wall` : 'absent'}, ${pct(binBytes)} of bytes (a ${bytes(big.releaseBytes)} stand-in); largest task: ${top ? `${top.task} ${sec(top.msMax)} s` : '-'}`,
      met: bin && top ? bin === top : null,
    });
    const rss = Math.max(...big.figures.map((f) => f.median.maxRssMiB));
    out.push({
      target: `control process under ${TARGETS.rssMiB} MiB`,
      hosts: big.hosts,
      value: `${rss.toFixed(0)} MiB peak (of all figures)`,
      met: rss < TARGETS.rssMiB,
    });
  }
  for (const r of runs.filter((x) => x.hosts === 8 || x.hosts === 16)) {
    const noop = find(r, 'noop');
    const w = noop.wallMs / r.floor.medianMs;
    out.push({
      target: `issue 16: no-op wall within ${TARGETS.noopOverFloor}× the floor`,
      hosts: r.hosts,
      value: `${ratio(w)} (${sec(noop.wallMs)} s vs ${sec(r.floor.medianMs)} s)`,
      met: w <= TARGETS.noopOverFloor,
    });
  }
  for (const r of runs) {
    const noop = find(r, 'noop');
    const c = hostCpuOf(noop) / hostCpuOf(r.floor);
    out.push({
      target: `issue 16: no-op host-side CPU within ${TARGETS.noopHostCpuOverFloor}× the bare login's, per host`,
      hosts: r.hosts,
      value: `${ratio(c)} (${cpuSec(hostCpuOf(noop))} s vs ${cpuSec(hostCpuOf(r.floor))} s per host)`,
      met: Number.isFinite(c) ? c <= TARGETS.noopHostCpuOverFloor : null,
    });
  }
  for (const r of runs) {
    for (const name of ['fresh', 'upgrade'] as const) {
      const f = r.figures.find((x) => x.name === name)?.median;
      if (!f) continue;
      const x = f.wallMs / r.upload.onceMs;
      out.push({
        target: `issue 16: ${name} within ${TARGETS.overUploadOnce}× the "upload once" floor (${bytes(r.releaseBytes)} release)`,
        hosts: r.hosts,
        value: `${ratio(x)} (${sec(f.wallMs)} s vs ${sec(r.upload.onceMs)} s; upload to all ${sec(r.upload.allMs)} s)`,
        // with the ~100 KiB stand-in the transfer is noise: only a real-size release says anything
        met: r.releaseBytes < SMALL_RELEASE ? null : x <= TARGETS.overUploadOnce,
      });
    }
  }
  const at8 = runs.find((r) => r.hosts === 8);
  if (at8) {
    const n = (ANSIBLE[8]!.noop[0] * 1000) / find(at8, 'noop').wallMs;
    const f = (ANSIBLE[8]!.fresh[0] * 1000) / find(at8, 'fresh').wallMs;
    out.push({
      target: `≥${TARGETS.ansibleNoopAt8}× faster than Ansible on no-op`,
      hosts: 8,
      value: ratio(n),
      met: n >= TARGETS.ansibleNoopAt8,
    });
    out.push({
      target: `≥${TARGETS.ansibleFreshAt8}× faster than Ansible on fresh`,
      hosts: 8,
      value: ratio(f),
      met: f >= TARGETS.ansibleFreshAt8,
    });
  }
  return out;
}

export function verdictLines(v: Verdict[]): string {
  const mark = (m: boolean | null) => (m === null ? 'n/a   ' : m ? 'met   ' : 'MISSED');
  return v.map((x) => `${mark(x.met)} ${x.target} (${x.hosts} hosts): ${x.value}`).join('\n');
}

export function ansibleTable(runs: HostsRun[]): string {
  const rows = [['hosts', 'figure', 'ours s', 'Ansible s', 'speed-up']];
  for (const r of runs) {
    const ref = ANSIBLE[r.hosts];
    if (!ref) continue;
    for (const name of ['noop', 'fresh'] as const) {
      const ours = find(r, name).wallMs;
      const [lo, hi] = ref[name];
      const range = lo === hi ? String(lo) : `${lo}-${hi}`;
      const up =
        lo === hi ? ratio((lo * 1000) / ours) : `${((lo * 1000) / ours).toFixed(1)}-${ratio((hi * 1000) / ours)}`;
      rows.push([String(r.hosts), name === 'noop' ? 'no-op deploy' : 'fresh deploy', sec(ours), range, up]);
    }
  }
  return rows.length > 1 ? table(rows) : '(no run at 1, 4 or 8 hosts)';
}

/**
 * Where each figure's wall time goes, from the recap: the slowest host's run (connect to its last
 * task) and everything outside it (start-up, inventory, rendering set-up, fleet handlers, exit).
 */
export function breakdown(startup: Figure, runs: HostsRun[]): string {
  const lines: string[] = [];
  for (const r of runs) {
    for (const f of r.figures) {
      const x = f.median;
      if (x.hostMsMax === null) continue;
      const outside = x.wallMs - x.hostMsMax;
      const top = [...x.tasks]
        .sort((a, b) => b.msMax - a.msMax)
        .slice(0, 2)
        .filter((t) => t.msMax > 0);
      lines.push(
        `${String(r.hosts).padStart(2)} hosts, ${f.label}: ${sec(x.wallMs)} s = slowest host ${sec(x.hostMsMax)} (${pct(x.hostMsMax / x.wallMs)})` +
          ` + outside the hosts' run ${sec(outside)} (${pct(outside / x.wallMs)}); largest tasks: ${top.map((t) => `${t.task} ${sec(t.msMax)}`).join(', ') || '-'}`,
      );
    }
  }
  return [
    `CLI start-up alone (--help): ${sec(startup.median.wallMs)} s, ${sec(startup.median.cpuMs)} s CPU`,
    ...lines,
  ].join('\n');
}

export function machineLine(m: Machine): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, node ${m.node}, commit ${m.commit.slice(0, 12)}${m.dirty ? ' (dirty)' : ''}; load ${m.loadAvg.join(' ')}${m.otherLabs.length ? `; other labs up: ${m.otherLabs.join(', ')}` : ''}`;
}
