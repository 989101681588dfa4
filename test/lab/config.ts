// Where the lab lives and how it is addressed. One object, built from defaults plus an allow-list
// of environment overrides, so CI (LAB_BRIDGE=ekp-ci0 LAB_SUBNET=10.214.0) never meets a dev lab.
// LAB_DIR moves the lab's files out of `.lab/`, so two labs can run from one checkout.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from './errors.ts';

export interface LabConfig {
  repoRoot: string;
  /** `<repo>/.lab` (or LAB_DIR): keys, known_hosts, pid files, logs, overlays, the Envoy mirror dir. */
  labDir: string;
  /** `<repo>/hosts/lab.yaml` for the README's lab; a LAB_DIR lab keeps its inventory inside LAB_DIR. */
  inventoryPath: string;
  /** Shared by every checkout on the machine: the rootfs is built once. */
  cacheDir: string;
  bridge: string;
  /** First three octets, e.g. `10.213.0`. */
  subnet: string;
  bridgeAddress: string;
  mirrorPort: number;
  apiserverPorts: number[];
  envoyVersion: string;
}

export const MAX_HOSTS = 50;

const here = path.dirname(fileURLToPath(import.meta.url));

export function labConfig(env: NodeJS.ProcessEnv = process.env): LabConfig {
  const repoRoot = path.resolve(here, '../..');
  const bridge = env.LAB_BRIDGE || 'ekp-lab0';
  const subnet = env.LAB_SUBNET || '10.213.0';
  // A bridge name longer than 15 bytes is refused by the kernel; veth names derive from it too.
  if (!/^[a-z][a-z0-9-]{1,9}$/.test(bridge))
    throw new LabError(`LAB_BRIDGE=${bridge}: use 2-10 of [a-z0-9-], starting with a letter`);
  const octets = subnet.split('.');
  if (octets.length !== 3 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255)) {
    throw new LabError(`LAB_SUBNET=${subnet}: expected three octets such as 10.213.0`);
  }
  // LAB_DIR: a second lab beside the README's one (the e2e suite runs one per vitest worker).
  const labDir = env.LAB_DIR ? path.resolve(repoRoot, env.LAB_DIR) : path.join(repoRoot, '.lab');
  return {
    repoRoot,
    labDir,
    inventoryPath: env.LAB_DIR ? path.join(labDir, 'lab.yaml') : path.join(repoRoot, 'hosts', 'lab.yaml'),
    cacheDir: env.LAB_CACHE_DIR || '/var/cache/envoy-k8s-proxy-lab',
    bridge,
    subnet,
    bridgeAddress: `${subnet}.1`,
    mirrorPort: 18080,
    apiserverPorts: [16443, 16444, 16445],
    envoyVersion: '1.35.0',
  };
}

/** Paths inside `.lab/`, in one place so `down` finds what `up` made. */
export function labPaths(cfg: LabConfig) {
  const d = cfg.labDir;
  return {
    keyPath: path.join(d, 'id_ed25519'),
    knownHostsPath: path.join(d, 'known_hosts'),
    mirrorDir: path.join(d, 'mirror'),
    tlsDir: path.join(d, 'tls'),
    runDir: path.join(d, 'run'),
    logDir: path.join(d, 'log'),
    hostsDir: path.join(d, 'hosts'),
    statePath: path.join(d, 'state.json'),
    infoPath: path.join(d, 'lab.json'),
    inventoryPath: cfg.inventoryPath,
  };
}

export function hostName(index: number): string {
  return `lb${index}`;
}

export function hostIndex(name: string): number | undefined {
  const m = /^lb([1-9]\d*)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function hostAddress(cfg: LabConfig, index: number): string {
  return `${cfg.subnet}.${10 + index}`;
}

/** nspawn machine name: unique per lab so two labs never share veth names or locks. */
export function machineName(cfg: LabConfig, name: string): string {
  return `${cfg.bridge}-${name}`;
}
