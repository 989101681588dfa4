// Open one verified, authenticated SSH connection to a host (optionally through a ProxyJump
// bastion) and wrap it in a Transport. The only file that imports node-ssh.

import { NodeSSH } from 'node-ssh';
import type { Duplex } from 'node:stream';
import type { HostVerifier } from 'ssh2';
import { ToolError } from '../errors.ts';
import type { HostSpec } from '../inventory/types.ts';
import { authMethods, describeAuth, type AuthEnv, type AuthMethod } from './auth.ts';
import { connectError, type ConnectTarget } from './connect-error.ts';
import { hostKeyOffer, noPinnedTypeMessage, pinnedOfferProblem, verifyHostKey } from './host-key.ts';
import { hostLookupName } from './known-hosts.ts';
import { createTransport } from './transport.ts';
import { trace, traced } from './trace.ts';
import type { Transport } from './types.ts';

export interface ConnectOptions {
  signal?: AbortSignal;
  /** Told when accept-new records a host key (the message names host, fingerprint and file). */
  onNewHostKey?: (msg: string) => void;
  /** Environment for credentials (SSH_AUTH_SOCK, SSH_KEY_PASSPHRASE, HOME); default process.env. */
  env?: AuthEnv;
}

const KEEPALIVE_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;

/** `[user@]host[:port]`, with `[v6addr]:port` for IPv6. */
export function parseProxyJump(spec: string, defaultUser: string): { user: string; address: string; port: number } {
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(spec.trim());
  const port = m?.[3] === undefined ? 22 : Number(m[3]);
  if (!m || port < 1 || port > 65535)
    throw new Error(`invalid proxyJump ${JSON.stringify(spec)}: expected [user@]host[:port]`);
  return { user: m[1] ?? defaultUser, address: m[2]!.replace(/^\[(.*)\]$/, '$1'), port };
}

interface Leg extends ConnectTarget {
  knownHosts: string;
  hostKeyChecking: HostSpec['ssh']['hostKeyChecking'];
}

async function openLeg(leg: Leg, auth: AuthMethod[], opts: ConnectOptions, sock?: Duplex): Promise<NodeSSH> {
  const ssh = new NodeSSH();
  let hostKeyError: unknown;
  const hostVerifier: HostVerifier = (key, verify) => {
    verifyHostKey(leg, key, opts.onNewHostKey).then(
      () => verify(true),
      (err: unknown) => {
        hostKeyError = err;
        verify(false);
      },
    );
  };
  const offer = await hostKeyOffer(leg.knownHosts, leg.address, leg.port);
  const who = hostLookupName(leg.address, leg.port);
  const unusable = pinnedOfferProblem(offer, who, leg.knownHosts);
  if (unusable) throw new ToolError('hostkey', unusable, { host: leg.name });
  const onAbort = (): void => void ssh.connection?.destroy();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const start = performance.now();
  trace(
    leg.name,
    `connecting to ${leg.user}@${who}${sock ? ' (through the proxyJump)' : ''}, offering ${auth.map(describeAuth).join(', ')}`,
  );
  try {
    await ssh.connect({
      ...(sock ? { sock: sock as never } : { host: leg.address }),
      port: leg.port,
      username: leg.user,
      authHandler: auth.map((a) => ({ ...a, username: leg.user })),
      hostVerifier,
      algorithms: { serverHostKey: offer.algorithms },
      readyTimeout: leg.timeoutMs,
      keepaliveInterval: KEEPALIVE_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    });
  } catch (err) {
    ssh.connection?.destroy();
    if (opts.signal?.aborted)
      throw new ToolError('interrupted', `interrupted while connecting to ${leg.address}`, { host: leg.name });
    if (!hostKeyError && offer.pinned.length > 0 && /no matching host key format/.test((err as Error).message ?? '')) {
      throw new ToolError('hostkey', noPinnedTypeMessage(offer, who, leg.knownHosts), { host: leg.name, cause: err });
    }
    throw connectError(hostKeyError ?? err, leg);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  trace(leg.name, `connected to ${leg.user}@${who} in ${Math.round(performance.now() - start)}ms`);
  // node-ssh stops listening for 'error' once connected; an unheard 'error' event would crash.
  ssh.connection?.on('error', () => undefined);
  return ssh;
}

function forwardThrough(bastion: NodeSSH, leg: Leg, via: string): Promise<Duplex> {
  return bastion.forwardOut('127.0.0.1', 0, leg.address, leg.port).catch((err: unknown) => {
    const why = (err as Error).message;
    throw new ToolError('connect', `cannot connect to ${leg.address}:${leg.port} through proxyJump ${via}: ${why}`, {
      host: leg.name,
      cause: err,
    });
  });
}

/** Connect, verify the host key against known_hosts, authenticate; classified errors per host. */
export async function connect(host: HostSpec, opts: ConnectOptions = {}): Promise<Transport> {
  const s = host.ssh;
  if (opts.signal?.aborted)
    throw new ToolError('interrupted', `interrupted before connecting to ${host.address}`, { host: host.name });
  const auth = await authMethods(host.name, s, opts.env);
  const leg: Leg = {
    name: host.name,
    address: host.address,
    port: s.port,
    user: s.user,
    timeoutMs: s.connectTimeoutMs,
    knownHosts: s.knownHosts,
    hostKeyChecking: s.hostKeyChecking,
  };
  let bastion: NodeSSH | undefined;
  let sock: Duplex | undefined;
  if (s.proxyJump) {
    let jump: ReturnType<typeof parseProxyJump>;
    try {
      jump = parseProxyJump(s.proxyJump, s.user);
    } catch (err) {
      throw new ToolError('connect', (err as Error).message, { host: host.name });
    }
    bastion = await openLeg({ ...leg, ...jump }, auth, opts);
    try {
      sock = await forwardThrough(bastion, leg, s.proxyJump);
    } catch (err) {
      bastion.dispose();
      throw err;
    }
  }
  let ssh: NodeSSH;
  try {
    ssh = await openLeg(leg, auth, opts, sock);
  } catch (err) {
    bastion?.dispose();
    throw err;
  }
  const client = ssh.connection;
  if (!client)
    throw new ToolError('connect', `connection to ${host.address} closed right after login`, { host: host.name });
  return traced(createTransport(host, client, { onClose: () => bastion?.dispose() }), host);
}
