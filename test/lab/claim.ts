// A lab claim: an e2e test file holds one lab for its whole run (worker-lab.ts). The claim is a
// listening unix socket in the abstract namespace, named after the lab: binding it is atomic and
// the kernel lets go of it when its process ends, however it ends. No file to read half-written,
// no dead holder's claim to clear: two files never hold a lab together.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';

/** The abstract socket name of a lab's claim (`key`: a path unique to the lab and the checkout). */
export function claimName(key: string): string {
  return `\0ekp-lab-claim-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** Takes the claim if nobody holds it: the held claim, or undefined. */
export function tryClaim(key: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ path: claimName(key) }, () => {
      server.unref(); // a held claim never keeps the process alive
      resolve(server);
    });
  });
}

export function releaseClaim(claim: Server): Promise<void> {
  return new Promise((resolve) => claim.close(() => resolve()));
}
