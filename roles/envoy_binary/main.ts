// Role envoy_binary: the pinned Envoy release, verified, in a versioned path behind `current`.
import { task, type Role } from '../../src/runner/types.ts';
import { release } from '../../src/modules/release.ts';
import { releaseSwitch } from '../../src/modules/release-switch.ts';
import { directory } from '../../src/modules/directory.ts';
import { expectedSha } from '../../src/release/pins.ts';
import { releaseUrl } from '../../src/release/url.ts';
import type { RoleOptions } from '../context.ts';
import { renderConfigFiles } from '../../src/render/index.ts';
import { STAGE, validateAsUser } from '../envoy_config/main.ts';
import { RELEASE_SWITCHED, restartHandler } from '../envoy_service/handlers.ts';

export function envoyBinary(o: RoleOptions): Role {
  return {
    name: 'envoy_binary',
    tasks: (inv, host) => {
      // laid down first, beside everything else that needs no binary (src/runner/types.ts, prepare)
      const binary = task(
        `envoy ${inv.envoy.version} binary`,
        release({
          installDir: inv.paths.installDir,
          version: inv.envoy.version,
          expected: (arch) => expectedSha(inv, o.pins, arch),
          source:
            inv.envoy.fetch === 'host' && !inv.envoy.localFile
              ? { mode: 'host', url: (arch) => releaseUrl(inv.envoy.version, arch, inv.envoy.mirror) }
              : { mode: 'control', local: o.localRelease, peers: o.peers },
        }),
        { prepare: true, background: true },
      );
      return [
        task('install directory', directory({ path: inv.paths.installDir, mode: 0o755 }), { prepare: true }),
        binary,
        task(
          RELEASE_SWITCHED,
          releaseSwitch({
            installDir: inv.paths.installDir,
            version: inv.envoy.version,
            allowDowngrade: o.allowDowngrade,
            check: {
              stageDir: STAGE(inv),
              files: renderConfigFiles(inv, host, { configDir: STAGE(inv) }),
              owner: 'root',
              group: inv.paths.group,
              command: (envoy, bootstrap) => validateAsUser(inv, envoy, bootstrap),
            },
          }),
          { notify: [restartHandler], after: [binary.key] },
        ),
      ];
    },
  };
}
