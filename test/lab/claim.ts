// A lab claim: an e2e test file holds one lab for its whole run (worker-lab.ts). The claim file
// holds the holder's pid; it appears with that pid already in it (written aside, then hard-linked:
// link fails if the claim exists), so nobody ever reads an empty claim and takes it for a dead one.
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isRunning } from './proc.ts';

/**
 * Takes the claim if no live process holds it. A claim left by a dead process is moved aside
 * (rename is atomic) and this round returns false; if what was moved aside had meanwhile become a
 * live claim it is put back, so two holders never both believe they have the lab.
 */
export function tryClaim(file: string, pid = process.pid): boolean {
  const mine = `${file}.${pid}`;
  writeFileSync(mine, String(pid));
  try {
    linkSync(mine, file);
    return true;
  } catch {
    if (holderAlive(file)) return false;
    const aside = `${file}.stale.${pid}`;
    try {
      renameSync(file, aside);
    } catch {
      return false; // let go or moved aside by another: the next round sees
    }
    try {
      if (holderAlive(aside)) linkSync(aside, file);
    } catch {
      // a third took the free claim meanwhile: the one moved aside retries like anybody
    }
    rmSync(aside, { force: true });
    return false;
  } finally {
    rmSync(mine, { force: true });
  }
}

export function releaseClaim(file: string): void {
  rmSync(file, { force: true });
}

function holderAlive(file: string): boolean {
  try {
    const holder = Number(readFileSync(file, 'utf8').trim() || '0');
    return holder > 0 && isRunning(holder);
  } catch {
    return true; // gone meanwhile: nothing to take over
  }
}
