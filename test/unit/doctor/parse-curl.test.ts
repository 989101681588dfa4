import { describe, expect, it } from 'vitest';
import { bashReason, parseEndpointProbe, parseHttp, parseTcp } from '../../../src/doctor/parse-curl.ts';
import { parseJournal } from '../../../src/doctor/probes.ts';

// Shapes captured from lab hosts (Debian 12: bash 5.2, curl 7.88).
describe('endpoint probe output', () => {
  it('a healthy API server: TCP, TLS and /readyz timings', () => {
    const p = parseEndpointProbe('@@tcp 0 6\n\n@@curl\nok\n@@w 200 0.000161 0.010938 0.011706\n@@rc 0\n', 3);
    expect(p.tcp).toEqual({ ok: true, ms: 6 });
    expect(p.http).toEqual({ exit: 0, status: 200, connectMs: 0, tlsMs: 11, totalMs: 12, body: 'ok' });
  });

  it('connection refused: the reason from bash, no curl block', () => {
    const out =
      '@@tcp 1 13\nekp: connect: Connection refused\nekp: line 1: /dev/tcp/10.217.0.1/16444: Connection refused\n@@curl\n';
    expect(parseEndpointProbe(out, 3)).toEqual({ tcp: { ok: false, ms: 13, error: 'Connection refused' } });
  });

  it('timeout(1) exit 124 reads as a timeout; exit 127 (no bash) leaves TCP to curl', () => {
    expect(parseTcp('@@tcp 124 3002\n', 3)).toEqual({ ok: false, ms: 3002, error: 'timed out after 3 s' });
    expect(parseTcp('@@tcp 127 1\nsh: bash: not found', 3)).toBeUndefined();
  });

  it('TLS handshake failure: curl error text, no TLS time', () => {
    const h = parseHttp(
      'curl: (35) OpenSSL/3.0.17: error:0A00010B:SSL routines::wrong version number\n\n@@w 000 0.000412 0.000000 0.001020\n@@rc 35\n',
    );
    expect(h).toMatchObject({ exit: 35, status: 0, connectMs: 0, totalMs: 1, body: '' });
    expect(h!.tlsMs).toBeUndefined();
    expect(h!.error).toBe('OpenSSL/3.0.17: error:0A00010B:SSL routines::wrong version number');
  });

  it('401 from an API server without anonymous auth keeps the body', () => {
    const h = parseHttp('{"kind":"Status","code":401}\n@@w 401 0.001 0.012 0.015\n@@rc 0\n');
    expect(h).toMatchObject({ status: 401, tlsMs: 11, body: '{"kind":"Status","code":401}' });
  });

  it('bashReason takes the text after the last colon of the last line', () => {
    expect(bashReason('x: line 1: /dev/tcp/h/1: No route to host\n')).toBe('No route to host');
    expect(bashReason('')).toBe('');
  });
});

describe('journal probe output', () => {
  it('dedupes the two journalctl queries, sorts by time, keeps the activation time', () => {
    const out = [
      '@@since @1795610887',
      "1795610800.100000 lb1 systemd[1]: envoy-k8s-proxy.service: Failed with result 'exit-code'.",
      '1795610900.500000 lb1 envoy[230]: [..][230][warning][main] caught SIGTERM',
      '1795610900.500000 lb1 envoy[230]: [..][230][warning][main] caught SIGTERM',
    ].join('\n');
    const j = parseJournal(out);
    expect(j.activeSince).toBe(1795610887);
    expect(j.entries.map((e) => e.ts)).toEqual([1795610800.1, 1795610900.5]);
  });

  it('keeps the microseconds of the activation: the old process may log in the same second', () => {
    const j = parseJournal(
      '@@since 1795610900.770303\n1795610900.411000 lb1 envoy[230]: [..][230][warning][main] caught SIGTERM',
    );
    expect(j.activeSince).toBe(1795610900.770303);
    expect(j.entries[0]!.ts < j.activeSince).toBe(true);
  });
});
