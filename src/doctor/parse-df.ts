// `df -P <dir>`: how full the filesystem holding a directory is (POSIX format: one line per
// filesystem, never wrapped, sizes in 1024-byte blocks).

export interface DiskUsage {
  filesystem: string;
  sizeKiB: number;
  usedKiB: number;
  availableKiB: number;
  /** df's own Capacity: used / (used + available), rounded up, in percent. */
  usedPercent: number;
  mountedOn: string;
}

/** The first filesystem line; undefined when df printed none (missing directory, no df). */
export function parseDf(out: string): DiskUsage | undefined {
  for (const line of out.split('\n')) {
    // the mount point is last and may contain spaces; the device name first, and rarely does
    const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%\s+(\/.*)$/.exec(line.trim());
    if (!m) continue;
    return {
      filesystem: m[1]!,
      sizeKiB: Number(m[2]),
      usedKiB: Number(m[3]),
      availableKiB: Number(m[4]),
      usedPercent: Number(m[5]),
      mountedOn: m[6]!,
    };
  }
  return undefined;
}

/** 81898424 KiB → "78.1 GiB". */
export function formatKiB(kib: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = kib;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
