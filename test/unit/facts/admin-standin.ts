// Envoy's admin listener for unit tests: a loopback HTTP server the real curl of the admin fact reads.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';

export const hasCurl = (() => {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Answers like Envoy's admin: /ready as given, /clusters text, /slow never, anything else 404. */
export async function adminStandIn(ready = { status: 200, body: 'LIVE\n' }): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/slow') return; // never answers: curl's --max-time ends it
    if (req.url === '/ready') return void res.writeHead(ready.status).end(ready.body);
    if (req.url === '/clusters') return void res.writeHead(200).end('k8s::10.0.0.1:6443::health_flags::healthy\n');
    res.writeHead(404).end('invalid path. admin commands are:\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}
