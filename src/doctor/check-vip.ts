// Checks of the VIP on one host: keepalived runs, its VRRP state is a sane one, the address is on
// the interface exactly when keepalived is MASTER, and, on the holder, the VIP answers on every
// listener port (TCP connect, which is what a client's TLS starts with). Every host has the VIP on
// lo (render/vip-arp.ts), so a probe from a non-holder would only reach itself: not asked there.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { FactSpec } from '../facts/types.ts';
import { quote } from '../ssh/index.ts';
import type { VipView } from '../ops/vip.ts';
import { check, type Check } from './types.ts';

/** Per listener port: did a TCP connect to the VIP succeed within 2 s. */
export function vipPortsFact(inv: Inventory): FactSpec<Map<number, boolean>> {
  const vip = inv.vip?.address ?? '';
  const ports = [...new Set(inv.clusters.map((c) => c.listenPort))];
  const target = (p: number) => quote(`/dev/tcp/${vip}/${p}`);
  return {
    key: `doctor:vip-ports:${vip}:${ports.join(',')}`,
    script: ports
      .map(
        (p) =>
          `if timeout 2 bash -c 'exec 3<>"$1"' _ ${target(p)} 2>/dev/null; then echo ${p} ok; else echo ${p} fail; fi`,
      )
      .join('; '),
    parse: (out) => new Map([...out.matchAll(/^(\d+) (ok|fail)$/gm)].map((m) => [Number(m[1]), m[2] === 'ok'])),
  };
}

export function checkVip(inv: Inventory, host: HostSpec, v: VipView, ports: Map<number, boolean>): Check[] {
  if (!inv.vip) return [];
  const vip = `${inv.vip.address}/${inv.vip.prefix}`;
  const deploy = `\`envoy-k8s-proxy deploy --hosts ${inv.name} --limit ${host.name}\``;
  const checks: Check[] = [];
  checks.push(
    v.keepalived === 'active'
      ? check('vip:keepalived', 'keepalived', 'ok', 'keepalived.service active')
      : check(
          'vip:keepalived',
          'keepalived',
          'fail',
          `keepalived.service is ${v.keepalived}: this host can never take the VIP`,
          {
            fix: `${deploy}; then \`journalctl -u keepalived\` if it does not stay up`,
          },
        ),
  );
  if (v.keepalived === 'active') {
    const health = 'its track script (the health listener /healthz) fails: Envoy here is not ready';
    checks.push(
      v.vrrp === 'MASTER' || v.vrrp === 'BACKUP'
        ? check(
            'vip:vrrp',
            'VRRP',
            'ok',
            `${v.vrrp}${v.vrrp === 'MASTER' ? ' (holds the VIP)' : ' (ready to take the VIP)'}`,
          )
        : check(
            'vip:vrrp',
            'VRRP',
            v.vrrp === 'FAULT' ? 'fail' : 'warn',
            v.vrrp === 'FAULT' ? `FAULT: ${health}` : `state ${v.vrrp ?? 'unknown (nothing logged yet)'}`,
            {
              fix: 'see the Envoy checks above (listeners, clusters, admin /ready); `journalctl -u keepalived` says why',
            },
          ),
    );
  }
  const master = v.keepalived === 'active' && v.vrrp === 'MASTER';
  if (v.holds === master)
    checks.push(
      check(
        'vip:address',
        'VIP address',
        'ok',
        v.holds ? `${vip} on this host` : `${vip} not on this host (as expected)`,
      ),
    );
  else
    checks.push(
      check(
        'vip:address',
        'VIP address',
        'fail',
        v.holds
          ? `${vip} is on this host's interface but keepalived is not MASTER: it answers ARP for the VIP (two holders?)`
          : `keepalived is MASTER but ${vip} is not on any interface: nobody here answers for it`,
        { fix: 'restart keepalived on this host (`systemctl restart keepalived`); it removes or adds the address' },
      ),
    );
  for (const c of v.holds ? inv.clusters : []) {
    const okPort = ports.get(c.listenPort);
    checks.push(
      okPort
        ? check(
            `vip:port:${c.listenPort}`,
            `VIP :${c.listenPort}`,
            'ok',
            `${inv.vip.address}:${c.listenPort} (${c.name}) accepts connections`,
          )
        : check(
            `vip:port:${c.listenPort}`,
            `VIP :${c.listenPort}`,
            'fail',
            `${inv.vip.address}:${c.listenPort} (${c.name}) did not accept a connection within 2 s`,
            { fix: "`envoy-k8s-proxy status` shows who holds the VIP; check that host's Envoy listeners" },
          ),
    );
  }
  return checks;
}
