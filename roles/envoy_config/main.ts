// Role envoy_config: the envoy user, its directories, and the rendered config tree — validated on
// the host by the installed envoy before any file is renamed into place.
import { posix } from 'node:path';
import { task, type Role } from '../../src/runner/types.ts';
import { systemUser } from '../../src/modules/system-user.ts';
import { directory } from '../../src/modules/directory.ts';
import { fileSet } from '../../src/modules/file-set.ts';
import { file } from '../../src/modules/file.ts';
import { loadedCheck } from '../../src/modules/xds-loaded.ts';
import {
  adminUrl,
  subscriptionOf,
  CONFIG_FILE_MODE,
  LOGROTATE_PATH,
  renderConfigFiles,
  renderLogrotate,
  type RenderedFile,
} from '../../src/render/index.ts';
import type { HostSpec, Inventory } from '../../src/inventory/types.ts';
import { quote } from '../../src/ssh/index.ts';
import { CONFIG_WRITTEN, restartHandler } from '../envoy_service/handlers.ts';

/** eds first, then cds, then lds, bootstrap last: every file only names things already in place. */
const ORDER = (name: string) => (name.startsWith('eds_') ? 0 : name === 'cds.yaml' ? 1 : name === 'lds.yaml' ? 2 : 3);

type Render = (inv: Inventory, host: HostSpec, opts?: { configDir?: string }) => RenderedFile[];

/** Where a config tree is staged for `envoy --mode validate` (by this role, and by a release switch). */
export const STAGE = (inv: Inventory) => posix.join(inv.paths.configDir, '.ekp-stage');

/**
 * `envoy --mode validate` as the service user, like ExecStartPre: it must be able to read what it
 * will load. setpriv execs envoy: runuser would outlive a SIGTERM by 2 s, so an interrupt's SIGKILL
 * reached the script before its trap could remove the staged files.
 */
export function validateAsUser(inv: Inventory, envoy: string, bootstrap: string): string {
  const { user, group } = inv.paths;
  return `setpriv --reuid=${quote(user)} --regid=${quote(group)} --init-groups -- ${quote(envoy)} --mode validate -c ${quote(bootstrap)}`;
}

/**
 * The role, with the renderer as a parameter so a test can hand the hosts a config Envoy rejects.
 * `keepPrevious`: a gated deploy keeps the replaced files until the host passes its gate.
 */
export function envoyConfigRole(render: Render = renderConfigFiles, o: { keepPrevious?: boolean } = {}): Role {
  return {
    name: 'envoy_config',
    tasks: (inv, host) => {
      const { configDir, logDir, user, group, installDir } = inv.paths;
      const stageDir = STAGE(inv);
      const files = render(inv, host).sort((a, b) => ORDER(a.name) - ORDER(b.name) || a.name.localeCompare(b.name));
      const envoy = posix.join(installDir, 'current', 'envoy');
      return [
        task(`system user ${user}`, systemUser({ name: user, group }), { prepare: true }),
        task('config directory', directory({ path: configDir, mode: 0o750, owner: 'root', group }), { prepare: true }),
        task('log directory', directory({ path: logDir, mode: 0o750, owner: user, group }), { prepare: true }),
        task('log rotation', file({ path: LOGROTATE_PATH, content: renderLogrotate(inv, host).content, mode: 0o644 }), {
          prepare: true,
        }),
        task(
          CONFIG_WRITTEN,
          fileSet({
            dir: configDir,
            files: files.map((f) => ({ name: f.name, content: f.content })),
            owner: 'root',
            group,
            mode: CONFIG_FILE_MODE,
            prune: { prefix: 'eds_', suffix: '.yaml' },
            validate: {
              stageDir,
              files: render(inv, host, { configDir: stageDir }).map((f) => ({ name: f.name, content: f.content })),
              command: (bootstrap) => validateAsUser(inv, envoy, bootstrap),
            },
            // lds/cds/eds are reloaded by Envoy on rename; only the bootstrap needs a restart
            notify: { 'envoy.yaml': restartHandler },
            // ...and Envoy must say it loaded them, else the previous files go back
            loaded: (changed) => {
              const xds = files.flatMap((f) => {
                const prefix = subscriptionOf(f.name, inv.clusters);
                return prefix && f.version && changed.includes(f.name)
                  ? [{ file: f.name, prefix, version: f.version }]
                  : [];
              });
              return xds.length ? loadedCheck(adminUrl(inv, '/stats'), xds) : undefined;
            },
            keepPrevious: o.keepPrevious,
          }),
        ),
      ];
    },
  };
}

export const envoyConfig = envoyConfigRole();
/** deploy: every config change goes through the gate (src/ops/deploy-gate.ts). */
export const envoyConfigGated = envoyConfigRole(renderConfigFiles, { keepPrevious: true });
