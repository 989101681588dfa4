import { describe, expect, it } from 'vitest';
import { hostCpu, parseCpuStatMs, parseProcStatBusy } from '../../bench/host-cpu.ts';

describe('bench host-side CPU', () => {
  it('counts /proc/stat busy fields (not idle, not iowait) in 10 ms jiffies', () => {
    const stat = 'cpu  100 5 50 9000 300 2 3 1 0 0\ncpu0 50 2 25 4500 150 1 1 0 0 0\n';
    expect(parseProcStatBusy(stat)).toBe((100 + 5 + 50 + 2 + 3 + 1) * 10);
  });

  it('reads usage_usec from a cgroup v2 cpu.stat', () => {
    expect(parseCpuStatMs('usage_usec 5172784\nuser_usec 3238677\nsystem_usec 1934106\n')).toBeCloseTo(5172.784);
    expect(() => parseCpuStatMs('user_usec 1\n')).toThrow(/usage_usec/);
  });

  it('subtracts the control process from the machine, the idle rate from the lab, and divides by hosts', () => {
    const a = { machineBusyMs: 1000, labMs: 500, atMs: 0 };
    const b = { machineBusyMs: 3000, labMs: 1500, atMs: 1000 };
    const r = hostCpu(a, b, { controlCpuMs: 400, hosts: 4, idle: 0.2 });
    expect(r.procStatPerHostMs).toBe((2000 - 400) / 4);
    expect(r.cgroupPerHostMs).toBe((1000 - 0.2 * 1000) / 4);
    expect(hostCpu({ ...a, labMs: null }, b, { controlCpuMs: 0, hosts: 1, idle: 0 }).cgroupPerHostMs).toBeNull();
  });
});
