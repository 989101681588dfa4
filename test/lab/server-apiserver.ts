// A fake kube-apiserver for the lab: TLS HTTP on <address>:<port>, run detached by `up`:
// node --import tsx server-apiserver.ts <address> <port> <cert> <key>.
// GET /readyz, /livez, /healthz → 200 `ok`; GET /version → JSON; anything else → JSON naming this
// server ({"server":"apiserver-<port>"}), so a test can tell which endpoint Envoy picked.
// Any path with `?watch=1` is a watch: a chunked response that never ends on its own, one JSON
// event line every 200 ms (a BOOKMARK naming this server), like `kubectl get -w`'s stream.
// It records nothing. Fault modes, switched by signal (lab `apiserverMode`): SIGUSR1 `unready`
// (TLS works, /readyz answers 500), SIGUSR2 `hang` (TCP accepted, TLS never answered, and no
// request answered on connections already open — Envoy's health checker keeps one open between
// checks), SIGHUP back to `ok`. Connections and requests a hang held are then served.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';

let mode: 'ok' | 'unready' | 'hang' = 'ok';
const held = new Set<Socket>();
const open = new Set<Socket>();
const stalled: (() => void)[] = [];

const [address, port, cert, key] = process.argv.slice(2);
if (!address || !port || !cert || !key) throw new Error('usage: server-apiserver.ts <address> <port> <cert> <key>');
const name = `apiserver-${port}`;

const version = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-lab',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T00:00:00Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function json(res: import('node:http').ServerResponse, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-lab-server': name,
  });
  res.end(text);
}

// content-length from the body itself: one byte too many and a checker that reads whole answers
// (Envoy's does) waits for it until its timeout
function text(res: import('node:http').ServerResponse, status: number, body: string): void {
  res
    .writeHead(status, {
      'content-type': 'text/plain',
      'content-length': Buffer.byteLength(body),
      'x-lab-server': name,
    })
    .end(body);
}

function watch(res: import('node:http').ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'x-lab-server': name });
  let n = 0;
  const event = () => res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { server: name, n: n++ } })}\n`);
  event();
  const timer = setInterval(event, 200);
  res.on('close', () => clearInterval(timer));
}

const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, function answer(req, res) {
  if (mode === 'hang') return void stalled.push(() => answer(req, res));
  const { pathname, searchParams } = new URL(req.url ?? '/', 'https://lab');
  if (req.method === 'GET' && searchParams.get('watch') === '1') {
    watch(res);
  } else if (req.method === 'GET' && mode === 'unready' && pathname === '/readyz') {
    text(res, 500, '[-]etcd failed: lab\n');
  } else if (req.method === 'GET' && ['/readyz', '/livez', '/healthz'].includes(pathname)) {
    text(res, 200, 'ok');
  } else if (req.method === 'GET' && pathname === '/version') {
    json(res, version);
  } else {
    json(res, { server: name });
  }
  req.resume();
});

// TCP in front of TLS, so `hang` can accept a connection and never start the handshake.
const front = createTcpServer((sock) => {
  sock.on('error', () => undefined);
  open.add(sock);
  sock.on('close', () => open.delete(sock));
  if (mode === 'hang') {
    held.add(sock);
    sock.on('close', () => held.delete(sock));
  } else server.emit('connection', sock);
});
front.listen(Number(port), address);
process.on('SIGUSR1', () => void (mode = 'unready'));
process.on('SIGUSR2', () => void (mode = 'hang'));
process.on('SIGHUP', () => {
  mode = 'ok';
  for (const s of held) server.emit('connection', s);
  held.clear();
  for (const go of stalled.splice(0)) go();
});
// A stopped apiserver closes every connection at once, kept-alive health-check ones included.
process.on('SIGTERM', () => {
  front.close(() => process.exit(0));
  for (const s of open) s.destroy();
});
