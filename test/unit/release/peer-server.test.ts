// The seed's server and the peers' fetch as command lines, run for real by the local sh: the
// per-connection handler answers one request, and the start script drives stub `systemd-run` and
// `curl` programs that record their arguments (no systemd, no network).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  handlerScript,
  peerFetchCommand,
  seedUrl,
  startServerScript,
  stopServerCommand,
  streamedSumPath,
  type SeedServer,
} from '../../../src/release/peer-server.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ekp-peer-server-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sh = (script: string, input = '', env: Record<string, string> = {}) =>
  spawnSync('sh', ['-c', script], { input, cwd: dir, env: { ...process.env, ...env }, encoding: 'latin1' });

/** `sh -c script` fed `input`, without blocking the event loop (a writer runs beside it). */
const shAsync = (script: string, input: string): Promise<string> =>
  new Promise((resolve) => {
    const p = spawn('sh', ['-c', script], { cwd: dir });
    let out = '';
    p.stdout.setEncoding('latin1').on('data', (d: string) => (out += d));
    p.on('close', () => resolve(out));
    p.stdin.end(input);
  });

describe('handlerScript (one HTTP exchange on stdin/stdout)', () => {
  const request = (line: string) => `${line}\r\nHost: 10.0.0.11:9904\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n`;

  it('GET of the one path: 200, its length, the bytes; HEAD: the headers only', () => {
    const file = join(dir, "it's envoy");
    writeFileSync(file, Buffer.from([0, 1, 2, 255, 10, 13]));
    const script = handlerScript(file, '/envoy-1.35.0-linux-x86_64');
    const got = sh(script, request('GET /envoy-1.35.0-linux-x86_64 HTTP/1.1')).stdout;
    expect(got).toBe(
      'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 6\r\nConnection: close\r\n\r\n' +
        '\x00\x01\x02\xff\n\r',
    );
    const head = sh(script, request('HEAD /envoy-1.35.0-linux-x86_64 HTTP/1.1')).stdout;
    expect(head).toMatch(/^HTTP\/1\.0 200 OK\r\n.*Content-Length: 6\r\n.*\r\n\r\n$/s);
  });

  it.each([
    ['another path', 'GET /etc/shadow HTTP/1.1'],
    ['a path with a suffix', 'GET /envoy-1.35.0-linux-x86_64/x HTTP/1.1'],
    ['another method', 'POST /envoy-1.35.0-linux-x86_64 HTTP/1.1'],
  ])('%s: 404, nothing else', (_what, line) => {
    const file = join(dir, 'envoy');
    writeFileSync(file, 'secret');
    const got = sh(handlerScript(file, '/envoy-1.35.0-linux-x86_64'), request(line)).stdout;
    expect(got).toBe('HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });

  it('a release still arriving: served as it grows, followed when it takes its final name', async () => {
    const upload = join(dir, '.envoy.ekp-upload');
    const bin = join(dir, 'envoy');
    const script = handlerScript(bin, '/e', { upload, size: 12 });
    // the upload begins after the request, grows in two writes, then is renamed, as the seed's is
    const writer = spawn(
      'sh',
      [
        '-c',
        `sleep 0.3; printf 'abcdef' > '${upload}'; sleep 0.5; printf 'ghijkl' >> '${upload}'; mv '${upload}' '${bin}'`,
      ],
      { stdio: 'ignore' },
    );
    const written = new Promise((r) => writer.once('exit', r));
    const t0 = Date.now();
    const got = await shAsync(script, request('GET /e HTTP/1.1'));
    expect(got).toBe(
      'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 12\r\nConnection: close\r\n\r\nabcdefghijkl',
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700); // it waited for the second write
    await written;
    // once in place, under its final name: at once
    expect(await shAsync(script, request('GET /e HTTP/1.1'))).toMatch(/\r\n\r\nabcdefghijkl$/);
  });

  it('a release still arriving with a hole near its end (writes landing out of order): the hole is never served', async () => {
    const chunk = 256 * 1024; // 12 chunks: ARRIVING_LAG (1 MiB) covers the last 4
    const want = randomBytes(12 * chunk);
    writeFileSync(join(dir, 'want'), want);
    const upload = join(dir, '.envoy.ekp-upload');
    const bin = join(dir, 'envoy');
    const dd = (from: number, count: number) =>
      `dd if=want of=.envoy.ekp-upload bs=${chunk} skip=${from} seek=${from} count=${count} conv=notrunc status=none`;
    // chunks 0-9, then 11: chunk 10 is a hole (zeros) until it lands 0.6 s later; then the check's rename
    const writer = spawn(
      'sh',
      ['-c', `${dd(0, 10)}; ${dd(11, 1)}; sleep 0.6; ${dd(10, 1)}; sleep 0.3; mv '${upload}' '${bin}'`],
      {
        cwd: dir,
        stdio: 'ignore',
      },
    );
    const written = new Promise((r) => writer.once('exit', r));
    const got = Buffer.from(
      await shAsync(handlerScript(bin, '/e', { upload, size: want.length }), request('GET /e HTTP/1.1')),
      'latin1',
    );
    await written;
    const body = got.subarray(got.indexOf('\r\n\r\n') + 4);
    expect(body.length).toBe(want.length);
    expect(body.equals(want)).toBe(true);
  });

  it('a release still arriving: a HEAD is answered at once, with the size it will have', () => {
    const script = handlerScript(join(dir, 'envoy'), '/e', { upload: join(dir, 'absent'), size: 100663296 });
    const head = sh(script, request('HEAD /e HTTP/1.1')).stdout;
    expect(head).toMatch(/^HTTP\/1\.0 200 OK\r\n.*Content-Length: 100663296\r\n/s);
  });

  it('a file that is gone: 404 rather than a 200 with no length', () => {
    const got = sh(handlerScript(join(dir, 'missing'), '/e'), request('GET /e HTTP/1.1')).stdout;
    expect(got).toMatch(/^HTTP\/1\.0 404 /);
  });
});

describe('startServerScript', () => {
  const server = (over: Partial<SeedServer> = {}): SeedServer => ({
    unit: 'ekp-seed-0123abcd',
    address: '10.0.0.11',
    port: 9904,
    file: '/opt/envoy-k8s-proxy/releases/1.35.0/envoy',
    urlPath: '/envoy-1.35.0-linux-x86_64',
    lifetimeSec: 1800,
    runDir: dir,
    ...over,
  });
  /** PATH with recording stubs; `curlFails` HEAD answers before one succeeds. */
  const stubs = (curlFails = 0) => {
    const bin = join(dir, 'bin');
    spawnSync('mkdir', [bin]);
    const stub = (name: string, body: string) => {
      writeFileSync(
        join(bin, name),
        `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > ${dir}/${name}.args\n${body}`,
      );
      chmodSync(join(bin, name), 0o755);
    };
    stub('systemd-run', 'exit 0');
    stub('systemd-socket-activate', 'exit 0');
    stub('curl', `n=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n + 1)) > ${dir}/n; [ "$n" -ge ${curlFails} ]`);
    stub('journalctl', 'echo "Failed to listen on 10.0.0.11:9904: Address already in use"');
    stub('systemctl', `echo "$@" >> ${dir}/stopped`);
    stub('sleep', 'exit 0');
    return { PATH: `${bin}:/usr/bin:/bin` };
  };
  const args = (name: string) =>
    readFileSync(join(dir, `${name}.args`), 'utf8')
      .trimEnd()
      .split('\n');

  it('writes the handler, starts a transient unit bound to the seed address, waits for a HEAD', () => {
    const r = sh(startServerScript(server()), '', stubs(2));
    expect(r.status, r.stderr).toBe(0);
    expect(args('systemd-run')).toEqual([
      '-q',
      '--collect',
      '--unit',
      'ekp-seed-0123abcd',
      '--property=RuntimeMaxSec=1800',
      '--property=DynamicUser=yes',
      `--property=ExecStopPost=+/bin/rm -f ${dir}/ekp-seed-0123abcd.sh`,
      '--',
      'systemd-socket-activate',
      '-l',
      '10.0.0.11:9904',
      '--accept',
      '--inetd',
      '--',
      '/bin/sh',
      `${dir}/ekp-seed-0123abcd.sh`,
    ]);
    expect(readFileSync(join(dir, 'ekp-seed-0123abcd.sh'), 'utf8')).toBe(
      `${handlerScript('/opt/envoy-k8s-proxy/releases/1.35.0/envoy', '/envoy-1.35.0-linux-x86_64')}\n`,
    );
    expect(args('curl')).toEqual([
      '-fsSI',
      '--noproxy',
      '*',
      '--max-time',
      '2',
      '-o',
      '/dev/null',
      'http://10.0.0.11:9904/envoy-1.35.0-linux-x86_64',
    ]);
    expect(readFileSync(join(dir, 'n'), 'utf8').trim()).toBe('3');
  });

  it('IPv6: the bind address and the URL in brackets', () => {
    const s = server({ address: 'fd00::11' });
    expect(seedUrl(s)).toBe('http://[fd00::11]:9904/envoy-1.35.0-linux-x86_64');
    expect(sh(startServerScript(s), '', stubs()).status).toBe(0);
    expect(args('systemd-run')).toContain('[fd00::11]:9904');
  });

  it('no answer: fails with the unit journal, and stops the unit', () => {
    const r = sh(startServerScript(server()), '', stubs(1000));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'no answer on 10.0.0.11:9904: Failed to listen on 10.0.0.11:9904: Address already in use',
    );
    expect(readFileSync(join(dir, 'stopped'), 'utf8')).toContain('stop ekp-seed-0123abcd');
  });

  it('a hostile file path stays one quoted argument in the handler', () => {
    const file = join(dir, "x'; touch PWNED; '$(touch PWNED2)");
    writeFileSync(file, 'ok');
    const got = sh(handlerScript(file, '/e'), 'GET /e HTTP/1.1\r\n\r\n').stdout;
    expect(got.endsWith('\r\n\r\nok')).toBe(true);
    expect(sh('ls').stdout).not.toMatch(/^PWNED/m);
  });
});

describe('peer fetch and stop', () => {
  it('curl without a proxy, http only, a speed floor instead of retries', () => {
    const cmd = peerFetchCommand('http://10.0.0.11:9904/envoy-1.35.0-linux-x86_64', '/opt/e k p/.envoy.ekp-upload');
    expect(cmd).toContain(
      "curl -fsS --noproxy '*' --proto =http --connect-timeout 5 --speed-limit 65536 --speed-time 30 " +
        '--max-time 900 http://10.0.0.11:9904/envoy-1.35.0-linux-x86_64 ||',
    );
    expect(cmd).toContain("tee '/opt/e k p/.envoy.ekp-upload'");
  });

  describe('run by sh, with a stub curl', () => {
    const body = randomBytes(300_000);
    const fetch = (curl: string, dest = join(dir, 'rel', '.envoy.ekp-upload')) => {
      const bin = join(dir, 'bin');
      spawnSync('mkdir', ['-p', bin, join(dir, 'rel')]);
      writeFileSync(join(dir, 'body'), body);
      writeFileSync(join(bin, 'curl'), `#!/bin/sh\n${curl}\n`);
      chmodSync(join(bin, 'curl'), 0o755);
      return {
        dest,
        r: sh(peerFetchCommand('http://10.0.0.11:9904/e', dest), '', { PATH: `${bin}:${process.env.PATH}` }),
      };
    };
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const files = () => readdirSync(join(dir, 'rel')).sort();

    it('writes the file and, beside it, the sha256 of what it wrote', () => {
      const { dest, r } = fetch(`cat ${dir}/body`);
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(dest).equals(body)).toBe(true);
      expect(readFileSync(streamedSumPath(dest), 'utf8')).toBe(`${sha(body)}  -\n`);
      expect(files()).toEqual(['.envoy.ekp-upload', '.envoy.ekp-upload.sha256']);
    });

    it('curl fails half-way: exit 1, says why, and leaves no sum', () => {
      const { r } = fetch(`head -c 1000 ${dir}/body; echo 'curl: (18) transfer closed' >&2; exit 18`);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('curl: (18) transfer closed');
      expect(r.stderr).toContain('curl exited 18');
      expect(files()).toEqual(['.envoy.ekp-upload']);
    });

    it('the file cannot be written: exit 1, and no sum', () => {
      const dest = join(dir, 'rel', 'a-directory');
      spawnSync('mkdir', ['-p', dest]);
      const { r } = fetch(`cat ${dir}/body`, dest);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('writing the release failed');
      expect(files()).toEqual(['a-directory']);
    });
  });

  it('stop: the unit, then its handler script; never fails', () => {
    expect(stopServerCommand('ekp-seed-0123abcd')).toBe(
      'systemctl stop ekp-seed-0123abcd.service 2>/dev/null; rm -f /run/ekp-seed-0123abcd.sh; true',
    );
  });
});
