// release: an Envoy binary installed at <installDir>/releases/<version>/envoy, verified on the host
// (sha256 and `envoy --version`) under a temp name before it takes its final name; its sha256 is
// recorded with its identity so later runs need not hash it (facts/release.ts).
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { recordIdentityCommand, releaseFact } from '../facts/release.ts';
import { machineFact } from '../facts/system.ts';
import { archOf } from '../release/url.ts';
import { quote } from '../ssh/index.ts';
import type { Arch } from '../inventory/types.ts';
import { change, fail, ok, type Module, type Step } from '../runner/types.ts';
import type { PeerFetch } from '../runner/peer-fetch.ts';
import type { HostSpec } from '../inventory/types.ts';
import { offerOf, peerIntent, peerSteps, uploadSteps, type Delivery } from './release-peer.ts';
import { streamedSumPath } from '../release/peer-server.ts';

export interface ReleaseArgs {
  installDir: string;
  version: string;
  /** sha256 the binary must have for an arch; throws when none is known. */
  expected(arch: Arch): string;
  /** control: a verified local file to push (downloaded once per run); host: the URL each host fetches. */
  source:
    | { mode: 'control'; local(arch: Arch): Promise<string>; /** Upload once per subnet. */ peers?: PeerFetch }
    | { mode: 'host'; url(arch: Arch): string };
}

export function releaseDir(installDir: string, version: string): string {
  return posix.join(installDir, 'releases', version);
}

export function release(a: ReleaseArgs): Module {
  const dir = releaseDir(a.installDir, a.version);
  const bin = posix.join(dir, 'envoy');
  const tmp = posix.join(dir, '.envoy.ekp-upload');
  const binFact = releaseFact(bin);
  return {
    facts: () => [machineFact, binFact],
    async plan(ctx) {
      const machine = ctx.facts.get(machineFact);
      const arch = archOf(machine);
      if (!arch) return fail(`unsupported architecture ${machine}: Envoy ships x86_64 and aarch_64 binaries`);
      const want = a.expected(arch);
      const cur = ctx.facts.get(binFact);
      if (cur.type === 'file' && cur.sha256 === want) {
        // a seed that has the release already serves it to its peers without any upload
        if (a.source.mode === 'control' && !ctx.check)
          a.source.peers?.offer(ctx.host.name, offerOf({ arch, version: a.version, bin }));
        if (cur.remembered) return ok(`${a.version} (${arch}) installed`);
        // hashed this run (installed by an older version, or its metadata changed): record it once
        return change(
          [
            {
              kind: 'exec',
              action: `record the checksum of ${bin}`,
              command: recordIdentityCommand(bin, want, { ifIdentity: cur.identity }),
            },
          ],
          { message: `${a.version} (${arch}) installed; checksum recorded` },
        );
      }
      // `mv -f tmp envoy` would move the binary into a directory, and every run would install again
      if (cur.type === 'directory' || cur.type === 'other')
        return fail(
          `${bin} exists and is ${cur.type === 'other' ? 'not a regular file' : 'a directory'}, not the Envoy binary`,
        );
      const message = `install ${a.version} (${arch})${cur.type === 'file' ? ' over a binary with another checksum' : ''}`;
      const prep: Step = {
        kind: 'exec',
        action: `create ${dir}`,
        command: `install -d -m 755 ${quote(dir)} && rm -f ${quote(tmp)} ${quote(streamedSumPath(tmp))}`,
      };
      const verify: Step = {
        kind: 'exec',
        action: `verify and install Envoy ${a.version}`,
        command: ['sh', '-s'],
        stdin: verifyScript(dir, tmp, bin, want, a.version),
      };
      if (a.source.mode === 'control') {
        const source = a.source;
        const peers = source.peers;
        const role = peers?.role(ctx.host.name).kind;
        // a seed's upload is read by its server (another user) while it arrives
        const seed = role === 'seed';
        const delivery: Delivery = {
          host: ctx.host.name,
          arch,
          version: a.version,
          bin,
          tmp,
          prep,
          push: pushSteps(ctx.host.ssh, a.version, arch, tmp, () => source.local(arch), seed ? 0o644 : 0o600),
          verify,
          ...(seed &&
            uploadsInPlace(ctx.host.ssh) && {
              arriving: async () => ({ upload: tmp, size: (await stat(await source.local(arch))).size }),
            }),
        };
        const said = ctx.check ? `${message}${peerIntent(peers, ctx.host.name)}` : message;
        if (peers && role === 'peer') return change(peerSteps(peers, delivery), { message: said });
        const download: Step = {
          kind: 'lazy',
          action: 'download',
          resolve: async () => (await source.local(arch), []),
        };
        // the download is checked before anything is created on the host
        return change([download, ...uploadSteps(peers, delivery)], { message: said });
      }
      const url = a.source.url(arch);
      const partial = posix.join(dir, '.envoy.ekp-partial');
      const download: Step = {
        kind: 'exec',
        action: `download ${url}`,
        timeoutMs: 15 * 60_000,
        command:
          `command -v curl >/dev/null || { echo "curl is not installed on this host (needed by envoy.fetch: host)" >&2; exit 1; }; ` +
          // -C - resumes a partial download left by an earlier, interrupted run
          `curl -fsSL ${curlProtocols(url)} --retry 3 --connect-timeout 10 --max-time 900 -C - -o ${quote(partial)} ${quote(url)} && mv -f ${quote(partial)} ${quote(tmp)}`,
      };
      // the partial download stays (curl resumes it); a fetch's leftover sum must not
      const keepPartial = `install -d -m 755 ${quote(dir)} && rm -f ${quote(streamedSumPath(tmp))}`;
      return change([{ ...prep, command: keepPartial }, download, verify], { message });
    },
  };
}

/** SFTP writes `tmp` itself (root, or a login that needs no sudo); else the upload is staged. */
function uploadsInPlace(ssh: HostSpec['ssh']): boolean {
  return !(ssh.become && ssh.user !== 'root');
}

/** The control machine's upload to `tmp`: over SFTP as root, or staged in a sudo user's home. */
function pushSteps(
  ssh: HostSpec['ssh'],
  version: string,
  arch: Arch,
  tmp: string,
  local: () => Promise<string>,
  mode: number,
): Step[] {
  if (uploadsInPlace(ssh))
    return [
      {
        kind: 'lazy',
        action: `upload Envoy ${version}`,
        resolve: async () => [
          {
            kind: 'put',
            action: `upload Envoy ${version}`,
            source: { localPath: await local() },
            path: tmp,
            mode,
          },
        ],
      },
    ];
  // SFTP writes as the login user: upload into its home (not a guessable /tmp path), then the
  // verify script, run through sudo, moves it next to its final name.
  const staged = `.ekp-upload/envoy-${version}-${arch}`;
  const home = `"$(getent passwd ${quote(ssh.user)} | cut -d: -f6)"`;
  return [
    {
      kind: 'lazy',
      action: `upload Envoy ${version}`,
      resolve: async () => [
        {
          kind: 'exec',
          action: 'prepare the upload directory',
          command: 'mkdir -p -m 700 "$HOME/.ekp-upload"',
          become: false,
        },
        {
          kind: 'put',
          action: `upload Envoy ${version}`,
          source: { localPath: await local() },
          path: staged,
          mode: 0o600,
        },
      ],
    },
    {
      kind: 'exec',
      action: 'move the upload into place',
      command: `mv -f ${home}/${quote(staged)} ${quote(tmp)} && { rmdir ${home}/.ekp-upload 2>/dev/null || true; }`,
    },
  ];
}

function verifyScript(dir: string, tmp: string, bin: string, want: string, version: string): string {
  const t = quote(tmp);
  const sum = quote(streamedSumPath(tmp));
  // Values from the inventory and the lockfile enter the script once, quoted, as variables; the
  // rest of the script only expands them inside double quotes.
  return [
    'set -u',
    `want=${quote(want)}`,
    `version=${quote(version)}`,
    `fail() { rm -f ${t} ${sum}; rmdir ${quote(dir)} 2>/dev/null; echo "$1" >&2; exit 1; }`,
    // a peer's fetch hashed the file as it wrote it (release/peer-server.ts); else hash it now
    `if [ -s ${sum} ] && [ ! ${t} -nt ${sum} ]; then got=$(cut -d' ' -f1 ${sum}); else got=$(sha256sum ${t} | cut -d' ' -f1); fi`,
    `rm -f ${sum}`,
    '[ "$got" = "$want" ] || fail "checksum mismatch: expected sha256 $want, got $got; the file was deleted"',
    // an upload through a non-root login arrives owned by that user: the binary must not be
    `chown root:root ${t} && chmod 755 ${t}`,
    `v=$(${t} --version 2>&1) || fail "the binary does not run: $v"`,
    'case "$v" in *"/$version/"*) ;; *) fail "the binary reports another version than $version: $v";; esac',
    `mv -f ${t} ${quote(bin)}`,
    recordIdentityCommand(bin, want),
  ].join('\n');
}

/** curl follows redirects (-L): from an https URL only to https, never a downgrade to plain http. */
export function curlProtocols(url: string): string {
  return url.startsWith('https://')
    ? '--proto =https --proto-redir =https'
    : '--proto =http,https --proto-redir =http,https';
}
