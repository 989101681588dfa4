// Handler: reload keepalived where its configuration changed. A reload (SIGHUP) keeps the VRRP
// state, so the holder keeps the VIP unless the new configuration says otherwise.
import { taskKey, type Handler, type HandlerOutcome } from '../../src/runner/types.ts';
import { KEEPALIVED_UNIT } from '../../src/render/keepalived.ts';

/** Changes only when it started keepalived: such a host read the new configuration at start. */
export const KEEPALIVED_STARTED = taskKey('keepalived running');

export const keepalivedReload: Handler = {
  name: 'reload keepalived',
  async run({ hosts, conns, changed }) {
    const out = new Map<string, HandlerOutcome>();
    await Promise.all(
      hosts.map(async (h) => {
        if (changed.get(h.name)?.has(KEEPALIVED_STARTED)) {
          out.set(h.name, { status: 'ok', message: 'started in this run: no reload needed' });
          return;
        }
        try {
          const t = await conns.get(h);
          const res = await t.exec(['systemctl', 'reload-or-restart', KEEPALIVED_UNIT]);
          out.set(
            h.name,
            res.code === 0
              ? 'reloaded'
              : new Error(`${h.name}: unable to reload ${KEEPALIVED_UNIT}: ${res.stderr.trim() || `exit ${res.code}`}`),
          );
        } catch (err) {
          out.set(h.name, err instanceof Error ? err : new Error(String(err)));
        }
      }),
    );
    return out;
  },
};
