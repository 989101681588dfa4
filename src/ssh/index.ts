// The SSH layer's public surface: everything else in the project imports from here.

export { connect, parseProxyJump, type ConnectOptions } from './connect.ts';
export { createFakeTransport, type FakeCall, type FakeHandler, type FakeTransport } from './fake.ts';
export { quote, quoteArgv } from './quote.ts';
export { buildCommand } from './command.ts';
export { fingerprint } from './host-key.ts';
export {
  appendKnownHost,
  checkHostKey,
  loadKnownHosts,
  parseKnownHosts,
  type HostKeyStatus,
  type KnownHostEntry,
} from './known-hosts.ts';
export type { ExecOptions, ExecResult, Transport, TransportStats } from './types.ts';
export { formatWait } from './deadline.ts';
export { Semaphore } from './semaphore.ts';
export { PUT_IN_FLIGHT_BYTES } from './sftp-transfer.ts';
export { configureTrace, redact, traced, type TraceSink } from './trace.ts';
