// The unit's journal, for the reason a start or restart failed: systemctl only says "see journalctl".
import type { Transport } from '../ssh/index.ts';
import { UNIT_NAME } from '../render/index.ts';

/** The unit's last journal lines, on one line. */
export async function journalTail(t: Transport, lines = 5): Promise<string> {
  const r = await t
    .exec(['journalctl', '-u', UNIT_NAME, '-n', String(lines), '--no-pager', '-o', 'cat'])
    .catch(() => undefined);
  return (r?.stdout ?? '').trim().split('\n').filter(Boolean).join(' | ');
}
