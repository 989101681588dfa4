// Control-side static file server for the Envoy release mirror (.lab/mirror/), run detached by
// `up`: node --import tsx server-mirror.ts <address> <port> <dir>. Serves GET and HEAD only.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';

const [address, port, dir] = process.argv.slice(2);
if (!address || !port || !dir) throw new Error('usage: server-mirror.ts <address> <port> <dir>');
const root = path.resolve(dir);

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://lab');
  const file = path.resolve(root, `.${decodeURIComponent(url.pathname)}`);
  const inside = file === root || file.startsWith(`${root}/`);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  let size = -1;
  try {
    const st = statSync(file);
    if (inside && st.isFile()) size = st.size;
  } catch {
    // not found
  }
  if (size < 0) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
});

server.listen(Number(port), address);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
