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

/** Removes one of our nft tables; nothing there (or no nft) is fine. */
const dropTable = (vip: string, table: string) =>
  `if command -v nft >/dev/null; then nft delete table ${family(vip)} ${table} 2>/dev/null || true; fi`;

/** Stops a dead-man timer armed by an earlier script (none armed is fine). */
const disarm = (unit: string) => `systemctl stop ${unit}.timer 2>/dev/null || true`;

/**
 * A dead-man: a transient systemd timer (outside the SSH session) that runs `undo` after `seconds`
 * unless disarmed first; an older one of the same name is replaced.
 */
const arm = (unit: string, seconds: number, undo: string) => [
  disarm(unit),
  `systemd-run --quiet --collect --unit=${unit} --on-active=${Math.ceil(seconds)}s /bin/sh -c ${quote(undo)}`,
];

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
    // armed first: if it cannot be, nothing has been changed yet
    ...arm(REJOIN_UNIT, deadmanS, undo(vip)),
    `printf '%s\\n' ${quote(dropSynTable(vip))} | nft -f -`,
    `sleep ${SETTLE_MS / 1000}`,
    `echo 1 > ${quote(RELEASE_FILE)}`,
  ].join('\n');
}

/** Back into VRRP; a host whose keepalived never made the file has nothing to undo. */
const trackZero = `if [ -e ${quote(RELEASE_FILE)} ]; then echo 0 > ${quote(RELEASE_FILE)}; fi`;

/** The table goes before the track file says 0: never eligible for MASTER while dropping SYNs. */
function undo(vip: string): string {
  return [dropTable(vip, HANDOFF_TABLE), trackZero].join('\n');
}

/** Undoes releaseScript (after the restart, or when no peer took the VIP); a no-op when nothing is there. */
export function rejoinScript(vip: string): string {
  return [disarm(REJOIN_UNIT), undo(vip)].join('\n');
}

// Which peer takes the VIP is chosen, not raced for. Peers of equal priority that all hear the
// holder's priority-0 advert time out together and may all enter MASTER, each sending its
// gratuitous ARP; the extra ones step down at the next advert, but the client's ARP entry may
// follow the last GARP to one of them, then flip to the real master at its GARP repeat (1 s on):
// a handshake straddling that flip, and every connection made meanwhile, is relayed to the old
// holder, which resets it (seen in the lab under load: two MASTER entries 30 µs apart). So every
// ready peer but the chosen one sits out of VRRP (the same track file) until the VIP has moved.
/** The transient timer that lets a held-back peer into VRRP again if the run never does. */
export const HOLD_UNIT = 'envoy-k8s-proxy-vip-hold';

/**
 * Run on each peer but the chosen one, with its relay: leave VRRP (FAULT: never elected) under a
 * dead-man. A peer in its own release (its rejoin timer armed) is left as it is: its track file
 * is already 1, and undoing the hold must not let it back in while it restarts.
 */
export function holdScript(deadmanS: number): string {
  return [
    `if systemctl is-active --quiet ${REJOIN_UNIT}.timer; then :; else`,
    ...arm(HOLD_UNIT, deadmanS, trackZero),
    `echo 1 > ${quote(RELEASE_FILE)}`,
    'fi',
  ].join('\n');
}

/** Undoes holdScript once the VIP moved (or the hand-off failed); only a hold of its own is undone. */
export function unholdScript(): string {
  return `if systemctl is-active --quiet ${HOLD_UNIT}.timer; then ${disarm(HOLD_UNIT)}; ${trackZero}; fi`;
}

// After the ARP switch the client's segments of a connection the old holder still serves reach
// the new holder, which carries the VIP on lo, knows no such connection and would reset it. For a
// planned hand-off each peer relays such segments to the old holder instead (`dup to` its address,
// the copy keeps the VIP as destination; the original is dropped): the old holder keeps the
// connection until its Envoy stops and closes it with a FIN. Only planned: after a crash the
// client's next segment must get the new holder's RST; a relay to a dead host would be a hang.
export const RELAY_TABLE = 'envoy_k8s_proxy_handoff_relay';
/** The transient timer that removes a peer's relay if the run that loaded it never does. */
export const RELAY_UNIT = 'envoy-k8s-proxy-vip-relay';

/**
 * The peer's relay. "No connection here" is read from the kernel's own socket lookup (nft
 * `socket`: established, then listening sockets) as TCP will do it for this segment:
 * - found a full socket bound to the wildcard (Envoy's 0.0.0.0 / :: listener, the only thing a
 *   non-SYN segment can find when no connection matches): TCP would reset it → relay;
 * - found any other socket, transparent or not (this host's own connections; handshakes in
 *   progress and TIME_WAITs, not full sockets, for which `wildcard` does not evaluate) → TCP's;
 * - found nothing (no listener on that port) → relay too.
 * `socket wildcard 0 accept` alone would not do: a handshake's last ACK finds a request socket,
 * the rule does not match, and the new holder's own new connections would be relayed away.
 * One miss: a SYN-cookie handshake (SYN flood) ends with an ACK that finds only the listener.
 */
export function relayTable(vip: string, oldHolder: string): string {
  const f = family(vip);
  const stray = `${f} daddr ${vip} tcp flags & (syn | ack) != syn`;
  return [
    `table ${f} ${RELAY_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority -10; policy accept;',
    `    ${stray} socket wildcard 1 dup to ${oldHolder} drop`,
    `    ${stray} socket transparent 0 accept`,
    `    ${stray} socket transparent 1 accept`,
    `    ${stray} dup to ${oldHolder} drop`,
    '  }',
    '}',
  ].join('\n');
}

/**
 * Run on each peer before the holder releases the VIP: arm the dead-man removal, then replace the
 * relay in one transaction (a table left by an earlier hand-off would keep its old target).
 */
export function relayScript(vip: string, oldHolder: string, deadmanS: number): string {
  const f = family(vip);
  const replace = [`add table ${f} ${RELAY_TABLE}`, `delete table ${f} ${RELAY_TABLE}`, relayTable(vip, oldHolder)];
  return [
    'set -e',
    ...arm(RELAY_UNIT, deadmanS, dropTable(vip, RELAY_TABLE)),
    `printf '%s\\n' ${quote(replace.join('\n'))} | nft -f -`,
  ].join('\n');
}

/** Undoes relayScript (after the old holder's restart, or on any failure); a no-op when nothing is there. */
export function unrelayScript(vip: string): string {
  return [disarm(RELAY_UNIT), dropTable(vip, RELAY_TABLE)].join('\n');
}
