// How a holder gives the VIP away without cutting a connection. A client's ARP entry moves to the
// new holder at one instant; a connection whose handshake straddles it was accepted by the old
// holder, and its next segment reaches the new one, which knows no such connection and resets it.
// So the old holder first drops new SYNs to the VIP (silently: the client retransmits after 1 s,
// by then to the new holder), lets the handshakes in flight finish, and only then leaves VRRP at
// once through keepalived's track file (inotify, no wait for the next track-script poll).
import { quote } from '../ssh/index.ts';
import { RELEASE_FILE } from '../render/keepalived.ts';

export const HANDOFF_TABLE = 'envoy_k8s_proxy_handoff';
/** Long enough for handshakes in flight to finish, far below the client's 1 s SYN retransmit. */
export const SETTLE_MS = 200;

const family = (vip: string) => (vip.includes(':') ? 'ip6' : 'ip');

/** The nftables table that drops new connections (SYN without ACK) to the VIP on this host. */
export function dropSynTable(vip: string): string {
  const f = family(vip);
  return [
    `table ${f} ${HANDOFF_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority -10; policy accept;',
    `    ${f} daddr ${vip} tcp flags & (syn | ack) == syn drop`,
    '  }',
    '}',
  ].join('\n');
}

/** Run on the holder: drop new SYNs to the VIP, let handshakes in flight finish, leave VRRP now. */
export function releaseScript(vip: string): string {
  return [
    'set -e',
    `printf '%s\\n' ${quote(dropSynTable(vip))} | nft -f -`,
    `sleep ${SETTLE_MS / 1000}`,
    `echo 1 > ${quote(RELEASE_FILE)}`,
  ].join('\n');
}

/** Undoes releaseScript (after the restart, or when no peer took the VIP); a no-op when nothing is there. */
export function rejoinScript(vip: string): string {
  return [
    `if [ -e ${quote(RELEASE_FILE)} ]; then echo 0 > ${quote(RELEASE_FILE)}; fi`,
    `if command -v nft >/dev/null; then nft delete table ${family(vip)} ${HANDOFF_TABLE} 2>/dev/null || true; fi`,
  ].join('\n');
}
