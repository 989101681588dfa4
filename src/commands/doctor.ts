// doctor: a read-only checklist per host (service, binary, drift, ports, API servers as the host
// sees them, Envoy's own view, journal). Exit 0 when nothing fails (warnings allowed), 1 otherwise.
import { doctorFleet, formatFleet } from '../doctor/index.ts';
import { connect } from '../ssh/index.ts';
import { Connections } from '../runner/connections.ts';
import { safeJson } from '../output/safe-text.ts';
import { EXIT, selectHosts, type CommonOptions } from './common.ts';
import { onInterrupt } from './play.ts';

export async function doctorCommand(o: CommonOptions): Promise<number> {
  const { inv, hosts } = await selectHosts(o);
  const intr = onInterrupt();
  const conns = new Connections((h, c) => connect(h, c), intr.signal);
  try {
    const report = await doctorFleet(inv, hosts, conns, { forks: o.forks, signal: intr.signal });
    if (o.json) console.log(safeJson(report, 2));
    else console.log(formatFleet(report, { color: !!process.stdout.isTTY && !process.env.NO_COLOR }));
    if (intr.signal.aborted) return EXIT.interrupted;
    return report.verdict === 'fail' ? EXIT.failed : EXIT.ok;
  } finally {
    await conns.closeAll();
    intr.dispose();
  }
}
