// The admin fact: one real curl for several paths against a loopback HTTP server standing in for
// Envoy's admin listener, and the parser on captured output (errors stay with their transfer).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFact, adminScript, curlSaid, parseAdminReplies } from '../../../src/facts/admin.ts';
import { factScript, parseFactOutput } from '../../../src/facts/gather.ts';
import { adminStandIn, hasCurl } from './admin-standin.ts';

describe('parseAdminReplies', () => {
  it('captured curl output: a body, a refused transfer, a body without a final newline', () => {
    const out =
      'LIVE\n\n@@ekp-admin 200\ncurl: (7) Failed to connect to 127.0.0.1 port 18778 after 0 ms: Couldn\'t connect to server\n\n@@ekp-admin 000\n{"a":1}\n@@ekp-admin 200\n';
    const [ready, dead, json] = parseAdminReplies(out, 3, 0);
    expect(ready).toEqual({ status: 200, body: 'LIVE\n' });
    expect(dead).toEqual({
      status: 0,
      body: '',
      error: "Failed to connect to 127.0.0.1 port 18778 after 0 ms: Couldn't connect to server",
      exit: 7,
    });
    expect(curlSaid(dead!)).toBe(
      "curl: (7) Failed to connect to 127.0.0.1 port 18778 after 0 ms: Couldn't connect to server",
    );
    expect(json).toEqual({ status: 200, body: '{"a":1}' });
  });

  it('no curl at all: every path reads as no answer, with the exit code', () => {
    expect(parseAdminReplies('', 2, 127)).toEqual([
      { status: 0, body: '', error: 'curl exit code 127', exit: 127 },
      { status: 0, body: '', error: 'curl exit code 127', exit: 127 },
    ]);
  });

  it('a POST says so; every URL is quoted', () => {
    expect(adminScript(['http://127.0.0.1:10000/drain_listeners?graceful'], { method: 'POST', timeoutS: 5 })).toBe(
      "curl -sS --stderr - --max-time 5 -X POST -w '\\n@@ekp-admin %{http_code}\\n' 'http://127.0.0.1:10000/drain_listeners?graceful'",
    );
  });
});

describe.skipIf(!hasCurl)('adminFact with a real curl', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = await adminStandIn();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('one curl, each path its own status and body, a timeout bounded and kept to its path', async () => {
    const closed = `http://127.0.0.1:1/ready`;
    const spec = adminFact(
      {
        ready: `${base}/ready`,
        slow: `${base}/slow`,
        missing: `${base}/nope`,
        dead: closed,
        clusters: `${base}/clusters`,
      },
      { timeoutS: 1 },
    );
    // async: the stand-in answers from this very process
    const { stdout: out } = await promisify(execFile)('sh', ['-c', factScript([spec])], { encoding: 'utf8' });
    const r = parseFactOutput([spec], out).get(spec.key) as ReturnType<typeof spec.parse>;
    expect(r.ready).toEqual({ status: 200, body: 'LIVE\n' });
    expect(r.slow).toMatchObject({ status: 0, body: '', exit: 28 });
    expect(r.missing).toEqual({ status: 404, body: 'invalid path. admin commands are:\n' });
    expect(r.dead).toMatchObject({ status: 0, body: '', exit: 7 });
    expect(r.clusters.body).toBe('k8s::10.0.0.1:6443::health_flags::healthy\n');
  });
});
