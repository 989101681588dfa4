// pnpm run lab <command>: the local lab of systemd-nspawn hosts (see test/lab/lab.ts).
//   build                     debootstrap the cached rootfs (once per recipe)
//   up N [--fresh] [--release-mib M]  hosts lb1..lbN + control-side services; writes hosts/lab.yaml
//                             (--release-mib: the published release padded to ~M MiB)
//   down                      stop and remove everything, also after a crash
//   status                    one line per host and per service
//   apiserver stop|start PORT take one fake apiserver away / bring it back
//   ssh NAME [COMMAND...]     a shell (or command) on a host as root
//   standin [VERSION]         build the Envoy stand-in into .lab/standin/envoy-VERSION, print its path
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostAddress, hostIndex, labConfig, labPaths } from './config.ts';
import { LabError } from './errors.ts';
import { labBuild, labDown, labStatus, labUp, startApiserver, stopApiserver } from './lab.ts';
import { sshArgs } from './ssh.ts';
import { buildStandin } from './standin-build.ts';
import { currentConfig } from './state.ts';

const USAGE =
  'usage: pnpm run lab <build | up N [--fresh] [--release-mib M] | down | status | apiserver stop|start PORT | ssh NAME [COMMAND...] | standin [VERSION]>';
const log = (line: string) => console.error(`lab: ${line}`);

class UsageError extends Error {}

function count(arg: string | undefined): number {
  if (!arg || !/^\d+$/.test(arg)) throw new UsageError(USAGE);
  return Number(arg);
}

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => a !== '--'); // `pnpm run lab -- up 3` passes a literal --
  const [command, ...rest] = args;
  switch (command) {
    case 'build':
      console.log(await labBuild({ log }));
      return 0;
    case 'up': {
      const i = rest.indexOf('--release-mib');
      const releaseMiB = i < 0 ? undefined : count(rest[i + 1]);
      await labUp(count(rest[0]), { log, fresh: rest.includes('--fresh'), ...(releaseMiB ? { releaseMiB } : {}) });
      return 0;
    }
    case 'down':
      await labDown({ log });
      return 0;
    case 'status': {
      const { hosts, services } = await labStatus();
      if (!hosts.length) console.log('no hosts (run `pnpm run lab up N`)');
      for (const h of hosts) {
        console.log(
          `${h.name.padEnd(5)} ${h.address.padEnd(15)} pid ${String(h.pid ?? '-').padEnd(8)} ${(h.up ? 'up' : 'down').padEnd(5)} ssh ${h.ssh ? 'ok' : '-'}`,
        );
      }
      for (const s of services)
        console.log(
          `${s.id.padEnd(16)} ${s.url.padEnd(26)} pid ${String(s.pid ?? '-').padEnd(8)} ${s.up ? 'up' : 'down'}`,
        );
      return 0;
    }
    case 'apiserver': {
      const [action, port] = rest;
      if (action === 'stop') await stopApiserver(count(port));
      else if (action === 'start') await startApiserver(count(port));
      else throw new UsageError(USAGE);
      return 0;
    }
    case 'ssh': {
      const [name, ...cmd] = rest;
      const index = name === undefined ? undefined : hostIndex(name);
      if (index === undefined) throw new UsageError(USAGE);
      const cfg = currentConfig();
      const r = spawnSync(
        'ssh',
        [...sshArgs(labPaths(cfg)), ...(cmd.length ? [] : ['-t']), `root@${hostAddress(cfg, index)}`, ...cmd],
        { stdio: 'inherit' },
      );
      return r.status ?? 1;
    }
    case 'standin': {
      const cfg = labConfig();
      const version = rest[0] ?? cfg.envoyVersion;
      if (!/^\d+\.\d+\.\d+$/.test(version)) throw new UsageError(USAGE);
      mkdirSync(join(cfg.labDir, 'standin'), { recursive: true });
      console.log(buildStandin(join(cfg.labDir, 'standin', `envoy-${version}`), version));
      return 0;
    }
    default:
      throw new UsageError(USAGE);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(err instanceof LabError ? `lab: ${err.message}` : err);
    process.exit(1);
  },
);
