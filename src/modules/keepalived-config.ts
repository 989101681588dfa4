// keepalived-config: /etc/keepalived/keepalived.conf as rendered for this host, checked by the
// host's own `keepalived --config-test` before the rename, like envoy's config is by envoy.
import { interfaceFact } from '../facts/network.ts';
import { fail, type Module } from '../runner/types.ts';
import { KEEPALIVED_MODE, KEEPALIVED_PATH, renderKeepalived } from '../render/keepalived.ts';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { file } from './file.ts';

/**
 * Runs the candidate through keepalived's parser. keepalived 2.2's --config-test ends on SIGTERM
 * whatever it found, and goes on past what it ignores: any line it logs is the verdict.
 */
export function configTestCommand(): string {
  return [
    'set -e',
    't=$(mktemp /tmp/.keepalived.conf.ekp-tmpXXXXXX)',
    'l=$(mktemp /tmp/.keepalived-test.ekp-tmpXXXXXX)',
    `trap 'rm -f "$t" "$l"' EXIT INT TERM HUP`,
    'cat > "$t"',
    '(keepalived --config-test="$l" -f "$t" >/dev/null 2>&1) 2>/dev/null || true',
    'if [ -s "$l" ]; then sort -u "$l" >&2; exit 1; fi',
  ].join('\n');
}

export function keepalivedConfig(inv: Inventory, host: HostSpec, healthUrl: string): Module {
  const iface = interfaceFact(host.address);
  const probe = file({ path: KEEPALIVED_PATH, content: '', mode: KEEPALIVED_MODE });
  return {
    facts: (o) => [...probe.facts(o), ...(inv.vip?.interface ? [] : [iface])],
    async plan(ctx) {
      const found = inv.vip?.interface ?? ctx.facts.get(iface);
      if (!found) return fail(`no interface carries ${host.address}: set vip.interface`);
      const content = renderKeepalived(inv, host, { interface: found, healthUrl }).content;
      const plan = await file({ path: KEEPALIVED_PATH, content, mode: KEEPALIVED_MODE }).plan(ctx);
      if (plan.kind !== 'change') return plan;
      const test = {
        kind: 'exec' as const,
        action: `check ${KEEPALIVED_PATH} with keepalived --config-test`,
        command: configTestCommand(),
        stdin: content,
      };
      return { ...plan, steps: [test, ...plan.steps] };
    },
  };
}
