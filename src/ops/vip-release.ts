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

/** The transient timer that undoes a release if the run that made it never comes back. */
export const REJOIN_UNIT = 'envoy-k8s-proxy-vip-rejoin';

/**
 * Run on the holder: arm the dead-man rejoin, drop new SYNs to the VIP, let handshakes in flight
 * finish, leave VRRP now. A run that dies before its rejoin (killed, connection lost) would leave
 * a host that drops new connections and sits out of VRRP until its next restart: the timer (a
 * transient systemd unit, outside the SSH session) undoes it after `deadmanS`. Readiness still
 * guards the VIP then: the track script keeps a host whose Envoy is not ready out of MASTER.
 */
export function releaseScript(vip: string, deadmanS: number): string {
  return [
    'set -e',
    `systemctl stop ${REJOIN_UNIT}.timer 2>/dev/null || true`,
    // armed first: if it cannot be, nothing has been changed yet
    `systemd-run --quiet --collect --unit=${REJOIN_UNIT} --on-active=${Math.ceil(deadmanS)}s /bin/sh -c ${quote(undo(vip))}`,
    `printf '%s\\n' ${quote(dropSynTable(vip))} | nft -f -`,
    `sleep ${SETTLE_MS / 1000}`,
    `echo 1 > ${quote(RELEASE_FILE)}`,
  ].join('\n');
}

/** The table goes before the track file says 0: never eligible for MASTER while dropping SYNs. */
function undo(vip: string): string {
  return [
    `if command -v nft >/dev/null; then nft delete table ${family(vip)} ${HANDOFF_TABLE} 2>/dev/null || true; fi`,
    `if [ -e ${quote(RELEASE_FILE)} ]; then echo 0 > ${quote(RELEASE_FILE)}; fi`,
  ].join('\n');
}

/** Undoes releaseScript (after the restart, or when no peer took the VIP); a no-op when nothing is there. */
export function rejoinScript(vip: string): string {
  return [`systemctl stop ${REJOIN_UNIT}.timer 2>/dev/null || true`, undo(vip)].join('\n');
}
