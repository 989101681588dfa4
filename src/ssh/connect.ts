// Open one verified, authenticated SSH connection to a host (optionally through a ProxyJump
// bastion) and wrap it in a Transport. The only file that imports node-ssh.

import { NodeSSH } from 'node-ssh';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { HostVerifier } from 'ssh2';
import { ToolError } from '../errors.ts';
import type { HostSpec } from '../inventory/types.ts';
import { authMethods, describeAuth, type AuthEnv, type AuthMethod } from './auth.ts';
import { connectError, type ConnectTarget } from './connect-error.ts';
import { certifiedOffer, hostKeyOffer, noPinnedTypeMessage, pinnedOfferProblem, verifyHostKey } from './host-key.ts';
import { scanHostCerts, type CertScan } from './cert-scan.ts';
import { hostLookupName } from './known-hosts.ts';
import { createTransport } from './transport.ts';
import { effective, readSshConfig, type Effective, type Endpoint } from './ssh-config.ts';
import { spawnProxyCommand, type ProxyProcess } from './proxy-command.ts';

export { parseProxyJump } from './ssh-config.ts';
import { trace, traced } from './trace.ts';
import { agentHint, agentKeys, SK_TYPES, unusableAgentKeys } from './agent-keys.ts';
import type { Transport } from './types.ts';

export interface ConnectOptions {
  signal?: AbortSignal;
  /** Told when accept-new records a host key (the message names host, fingerprint and file). */
  onNewHostKey?: (msg: string) => void;
  /** Environment for credentials (SSH_AUTH_SOCK, SSH_KEY_PASSPHRASE, HOME); default process.env. */
  env?: AuthEnv;
  /** The OpenSSH client config to honour; default ~/.ssh/config (HOME from env). */
  sshConfig?: string;
}

const KEEPALIVE_MS = 15_000;
/** How long a login through a FIDO key may wait for the user's touch (ssh-sk-helper has no bound). */
const FIDO_TOUCH_MS = 60_000;
const KEEPALIVE_COUNT_MAX = 3;

interface Leg extends ConnectTarget {
  /** The bound of the handshake and login (ssh2's readyTimeout). */
  loginMs: number;
  knownHosts: string;
  hostKeyChecking: HostSpec['ssh']['hostKeyChecking'];
}

async function openLeg(
  leg: Leg,
  auth: AuthMethod[],
  opts: ConnectOptions,
  sock?: Duplex,
  through = 'the proxyJump',
): Promise<NodeSSH> {
  const ssh = new NodeSSH();
  let hostKeyError: unknown;
  let certified: CertScan | undefined;
  const hostVerifier: HostVerifier = (key, verify) => {
    verifyHostKey({ ...leg, certified }, key, opts.onNewHostKey).then(
      () => verify(true),
      (err: unknown) => {
        hostKeyError = err;
        verify(false);
      },
    );
  };
  let offer = await hostKeyOffer(leg.knownHosts, leg.address, leg.port);
  const who = hostLookupName(leg.address, leg.port);
  // trusted through a CA only: fetch and check its certificates first (keyscan cannot go through a proxy)
  if (offer.pinned.length === 0 && offer.caKeys.length === 0 && !sock) {
    // consulted only for a host named by @cert-authority lines: then each of their keys is @revoked
    certified = { keys: [], problems: [], refused: 'every @cert-authority key naming it is marked @revoked' };
  } else if (offer.pinned.length === 0 && !sock) {
    certified = await scanHostCerts(leg.address, leg.port, leg.timeoutMs, offer.caKeys);
    trace(
      leg.name,
      `host certificates of ${who}: ${certified.keys.length} valid${certified.problems.map((p) => `; refused ${p}`).join('')}`,
    );
    if (certified.keys.length) offer = certifiedOffer(offer, certified.keys);
  }
  const unusable = pinnedOfferProblem(offer, who, leg.knownHosts);
  if (unusable) throw new ToolError('hostkey', unusable, { host: leg.name });
  const onAbort = (): void => void ssh.connection?.destroy();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const start = performance.now();
  trace(
    leg.name,
    `connecting to ${leg.user}@${who}${sock ? ` (through ${through})` : ''}, offering ${auth.map(describeAuth).join(', ')}`,
  );
  try {
    await ssh.connect({
      ...(sock ? { sock: sock as never } : { host: leg.address }),
      port: leg.port,
      username: leg.user,
      authHandler: auth.map((a) => ({ ...a, username: leg.user })),
      hostVerifier,
      algorithms: { serverHostKey: offer.algorithms },
      readyTimeout: leg.loginMs,
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

/** A connection that failed through a ProxyCommand: how the command ended and what it said. */
async function withProxyDetail(err: unknown, proxy: ProxyProcess, command: string): Promise<unknown> {
  if (!(err instanceof ToolError) || err.kind !== 'connect') return err;
  await new Promise((r) => setTimeout(r, 50)); // its exit and last stderr arrive just after the stream's end
  const said = proxy.stderr();
  const how = proxy.ended() ?? 'still running';
  const detail = `${err.detail} (ProxyCommand ${JSON.stringify(command)}: ${how}${said ? `; it said: ${said}` : ''})`;
  return new ToolError('connect', detail, { host: err.host, cause: err });
}

/** A login the server refused: name the agent's keys that were never offered (FIDO, certificates). */
async function withAgentHint(err: unknown, socket: string | undefined): Promise<unknown> {
  if (!(err instanceof ToolError) || err.kind !== 'connect' || !/authentication failed/.test(err.detail)) return err;
  const hint = await agentHint(socket);
  return hint ? new ToolError('connect', `${err.detail}${hint}`, { host: err.host, cause: err }) : err;
}

/** Connect, verify the host key against known_hosts, authenticate; classified errors per host. */
export async function connect(host: HostSpec, opts: ConnectOptions = {}): Promise<Transport> {
  const s = host.ssh;
  if (opts.signal?.aborted)
    throw new ToolError('interrupted', `interrupted before connecting to ${host.address}`, { host: host.name });
  const env = opts.env ?? process.env;
  const home = env.HOME || homedir();
  let target: Effective;
  try {
    const config = s.given ? await readSshConfig(opts.sshConfig ?? join(home, '.ssh', 'config')) : undefined;
    target = effective(host, config, home);
  } catch (err) {
    throw new ToolError('connect', (err as Error).message, { host: host.name, cause: err });
  }
  const agentEnv = target.agent === undefined ? env : { ...env, SSH_AUTH_SOCK: target.agent ?? undefined };
  const auth = await authMethods(host.name, s, agentEnv, target.identityFiles);
  const agentSocket = auth.some((a) => a.type === 'agent') ? agentEnv.SSH_AUTH_SOCK : undefined;
  const held = agentSocket ? await agentKeys(agentSocket) : [];
  const skipped = unusableAgentKeys(held);
  if (skipped.length) trace(host.name, `ssh-agent keys the SSH library cannot offer: ${skipped.join(', ')}`);
  // a FIDO key's signature waits for a touch, and a touch for the ones before it (the agent asks
  // its authenticator one request at a time): the login gets that long on top of its own bound
  const touchMs = held.some((k) => SK_TYPES.has(k.type)) ? FIDO_TOUCH_MS : 0;
  if (touchMs) trace(host.name, `ssh-agent holds FIDO keys: the login may wait ${touchMs / 1000} s for a touch`);
  const leg = (e: Endpoint): Leg => ({
    name: host.name,
    address: e.address,
    port: e.port,
    user: e.user,
    timeoutMs: s.connectTimeoutMs,
    loginMs: s.connectTimeoutMs + touchMs,
    knownHosts: s.knownHosts,
    hostKeyChecking: s.hostKeyChecking,
  });
  // each hop is reached through the one before it; the target through the last (or a ProxyCommand)
  const opened: NodeSSH[] = [];
  const proxy = target.proxyCommand
    ? spawnProxyCommand(target.proxyCommand, { ...process.env, ...env }, host.name)
    : undefined;
  const disposeAll = () => {
    opened.forEach((c) => c.dispose());
    proxy?.kill();
  };
  try {
    for (const [i, e] of [...target.jumps, target].entries()) {
      const via = opened.at(-1);
      const sock = via ? await forwardThrough(via, leg(e), target.jumps[i - 1]!.alias) : proxy?.sock;
      opened.push(await openLeg(leg(e), auth, opts, sock, via ? undefined : 'the ProxyCommand'));
    }
  } catch (err) {
    disposeAll();
    const failed = proxy ? await withProxyDetail(err, proxy, target.proxyCommand!) : err;
    throw await withAgentHint(failed, agentSocket);
  }
  const client = opened.at(-1)!.connection;
  if (!client) {
    disposeAll();
    throw new ToolError('connect', `connection to ${host.address} closed right after login`, { host: host.name });
  }
  // the server may end the connection first: the proxy then has nothing left to carry
  client.once('close', () => proxy?.kill());
  const onClose = () => {
    opened.slice(0, -1).forEach((b) => b.dispose());
    proxy?.kill();
  };
  return traced(createTransport(host, client, { onClose }), host);
}
