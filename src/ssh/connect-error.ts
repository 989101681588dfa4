// Turn what ssh2 and the socket report into one short, per-host reason a person can act on.

import { ToolError } from '../errors.ts';

interface SshLikeError {
  code?: string;
  level?: string;
  message?: string;
}

export interface ConnectTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  timeoutMs: number;
}

export function connectReason(err: unknown, target: ConnectTarget): string {
  const e = (err ?? {}) as SshLikeError;
  const msg = e.message ?? String(err);
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ETIMEDOUT':
      return `timed out after ${target.timeoutMs} ms`;
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${target.address}`;
    case 'ECONNRESET':
      return 'connection reset by peer';
  }
  if (e.level === 'client-timeout' || /Timed out while waiting for handshake/.test(msg)) {
    return `timed out after ${target.timeoutMs} ms`;
  }
  if (e.level === 'client-authentication' || /All configured authentication methods failed/.test(msg)) {
    return `authentication failed for user ${target.user} (the server accepted none of the offered keys)`;
  }
  if (/Connection lost before handshake|No response from server/.test(msg)) {
    return 'connection closed by the remote side before the SSH handshake';
  }
  return msg;
}

export function connectError(err: unknown, target: ConnectTarget): ToolError {
  if (err instanceof ToolError) return err;
  return new ToolError('connect', `cannot connect to ${target.address}:${target.port}: ${connectReason(err, target)}`, {
    host: target.name,
    cause: err,
  });
}
