// Process limits shared by the systemd unit and the bootstrap, so they cannot drift apart.

/**
 * LimitNOFILE for the unit. Not 1048576: where the hard limit is lower (the lab's nspawn hosts
 * cap it at 20000) systemd clamps to it, so a moderate value is honest about what we rely on.
 */
export const NOFILE_LIMIT = 65536;

/** Descriptors kept for Envoy itself: admin, logs, xDS file watches, health-check sockets. */
const RESERVED_FDS = 1024;

/**
 * Global cap on downstream connections (overload manager). Each proxied connection holds two
 * descriptors (downstream + upstream), so past this Envoy would hit EMFILE instead of
 * refusing cleanly.
 */
export const MAX_DOWNSTREAM_CONNECTIONS = Math.floor((NOFILE_LIMIT - RESERVED_FDS) / 2);
