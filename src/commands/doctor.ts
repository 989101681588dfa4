// doctor: a read-only checklist per host (service, binary, drift, ports, API servers as the host
// sees them, Envoy's own view, journal). Exit 0 when nothing fails (warnings allowed), 1 otherwise.
import { doctorFleet, formatFleet } from '../doctor/index.ts';
import { safeJson } from '../output/safe-text.ts';
import { withFleet } from '../cli/hosts.ts';
import { FLEET, type FleetOptions } from '../cli/options.ts';
import { EXIT, type CommandSpec } from '../cli/spec.ts';

export const doctor: CommandSpec<FleetOptions> = {
  name: 'doctor',
  summary:
    'read-only checklist per host: service, binary, config drift, ports, API servers as the host sees them, Envoy health, journal',
  options: FLEET,
  interrupt: 'stop',
  async action(o, ctx) {
    return withFleet(o, ctx.signal, async ({ inv, hosts }, conns) => {
      const report = await doctorFleet(inv, hosts, conns, { forks: o.forks, signal: ctx.signal });
      console.log(o.json ? safeJson(report, 2) : formatFleet(report, ctx.style));
      return report.verdict === 'fail' ? EXIT.failed : EXIT.ok;
    });
  },
};
