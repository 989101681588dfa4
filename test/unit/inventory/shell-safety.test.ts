// "No inventory value may ever reach a shell unquoted." The primary guarantee is the schema: no
// value with a shell metacharacter gets past it (first block). The second block runs the deploy
// playbook on a recording fake transport with values that are allowed but unusual, and checks
// that every command and script the roles send parses as sh.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deployPlaybook } from '../../../roles/index.ts';
import { InputError } from '../../../src/errors.ts';
import { parseInventory } from '../../../src/inventory/index.ts';
import { formatPath } from '../../../src/inventory/locate.ts';
import { Connections } from '../../../src/runner/connections.ts';
import { runPlay } from '../../../src/runner/run.ts';
import { createFakeTransport, type FakeTransport } from '../../../src/ssh/index.ts';

const work = mkdtempSync(join(tmpdir(), 'ekp-shell-safety-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const binary = join(work, 'envoy+1.35.0=x@y');
writeFileSync(binary, 'not really envoy');
const binarySha = createHash('sha256').update('not really envoy').digest('hex');

/** Every string key set, each to a value that is allowed but unusual. JSON is YAML. */
const unusual = {
  envoy: {
    version: '1.35.0',
    sha256: { x86_64: binarySha },
    mirror: 'https://mirror.example:8443/a+b=c@d,e~f/%41',
    fetch: 'control',
    localFile: binary,
    logLevel: 'info',
  },
  admin: { address: '127.0.0.1', port: 10000 },
  ssh: {
    user: '_ops-1',
    identityFile: '~/.ssh/id+ed25519@lab',
    knownHosts: '~/.ssh/known=hosts,lab',
    hostKeyChecking: 'strict',
    connectTimeout: '1m30s',
    proxyJump: 'ops_1@bastion-1.example:2222',
  },
  defaults: {
    listenAddress: '0.0.0.0',
    lbPolicy: 'ROUND_ROBIN',
    healthCheck: { type: 'readyz', path: '/readyz?verbose=1&exclude=etcd', sni: 'kubernetes.default.svc' },
  },
  clusters: [{ name: 'k8s-api_1', listenPort: 6443, endpoints: ['10.0.0.1:6443', '[fd00::1]:6443'] }],
  hosts: [{ name: 'lb-1.example.com', address: '10.0.0.11', listenAddress: '10.0.0.11' }],
  rolling: { serial: '50%', drain: '1s', healthTimeout: '1s' },
  accessLog: { enabled: true, path: '/var/log/ekp=log/access+1,a@b:c.log' },
  paths: {
    installDir: '/opt/envoy+k8s=proxy@v1,a:b',
    configDir: '/etc/ekp-cfg.d/x_y',
    logDir: '/var/log/ekp=log',
    user: '_envoy-svc',
    group: 'envoy_grp-1',
  },
};

const parse = (raw: unknown) =>
  parseInventory(JSON.stringify(raw), 'unusual.yaml', { baseDir: work, home: '/home/ops' });

function stringLeaves(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof v === 'string') return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringLeaves(x, [...path, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => stringLeaves(x, [...path, k]));
  return [];
}

function withLeaf(path: (string | number)[], value: string): unknown {
  const copy = structuredClone(unusual) as Record<string | number, unknown>;
  let cur = copy;
  for (const seg of path.slice(0, -1)) cur = cur[seg] as Record<string | number, unknown>;
  cur[path.at(-1)!] = value;
  return copy;
}

// Characters that make sh do something other than pass a word: separators, substitution, quoting,
// redirection, globbing, history, control characters.
const HOSTILE = [
  ';',
  '$(id)',
  '${IFS}',
  '`id`',
  '|',
  '&',
  '\n',
  '\r',
  '\t',
  ' ',
  "'",
  '"',
  '\\',
  '>',
  '<',
  '*',
  '?',
  '[a]',
  '{a,b}',
  '!',
  '#',
  '\0',
  '\u001b',
];
// Allowed on purpose: an HTTP query (?, &) in a health-check path, which is rendered into Envoy's
// YAML and never passed to a shell (src/render/health-check.ts); brackets in a mirror URL for an
// IPv6 host ([fd00::1]), which quote() wraps in '...' when the host downloads it.
const ALLOWED: Record<string, string[]> = { 'defaults.healthCheck.path': ['&', '?'], 'envoy.mirror': ['[a]'] };

describe('the schema: the only values that reach a command', () => {
  it('accepts the unusual inventory', () => expect(() => parse(unusual)).not.toThrow());

  const leaves = stringLeaves(unusual);
  it.each(leaves.map((p) => [formatPath(p), p] as const))('%s refuses every shell metacharacter', (id, path) => {
    const original = String(path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], unusual));
    for (const bad of HOSTILE) {
      if (ALLOWED[id]?.includes(bad)) continue;
      for (const value of [`${original}${bad}`, `${bad}${original}`]) {
        let problems: string[] = [];
        try {
          parse(withLeaf(path, value));
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          problems = e.problems.map((p) => p.path);
        }
        expect(problems, `${id} = ${JSON.stringify(value)}`).toContain(id);
      }
    }
  });
});

/** Answers the fact script (every probe: absent / not installed, on an x86_64 systemd host); 0 otherwise. */
function answerFacts(fake: () => FakeTransport) {
  return () => {
    const call = fake().calls.at(-1);
    const script = call?.kind === 'exec' && typeof call.command === 'string' ? call.command : '';
    if (!script.includes('@@ekp-fact')) return {};
    // numbered probes, and the batches (path, dir, unit): nothing there
    const probes = script.split(/printf '\\n@@ekp-fact (\d+|[a-z]+)\\n'/).slice(1);
    let out = '';
    for (let i = 0; i < probes.length; i += 2) {
      const [n, body] = [probes[i]!, probes[i + 1] ?? ''];
      const [text, rc] = /^[a-z]/.test(n)
        ? ['', 0]
        : body.includes('uname -m')
          ? ['x86_64\ndebian\n12\nsystemd 252', 0]
          : body.includes('echo absent')
            ? ['absent', 0]
            : body.includes('systemctl show')
              ? ['', 0]
              : ['', 1];
      out += `\n@@ekp-fact ${n}\n${text}\n@@ekp-fact-rc ${rc}\n`;
    }
    return { stdout: out };
  };
}

function parsesAsSh(script: string): string {
  const r = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
  return r.status === 0 ? '' : `${r.stderr.trim()}\n--- in:\n${script}`;
}

describe('the deploy playbook on a fake host, with unusual but valid values', () => {
  it('sends only commands and scripts that parse as sh, with the inventory values in them', async () => {
    const inv = parse(unusual);
    let fake: FakeTransport | undefined;
    const conns = new Connections(
      async (h) =>
        (fake = createFakeTransport(
          h.name,
          answerFacts(() => fake!),
        )),
    );
    const r = await runPlay(
      { inv, hosts: inv.hosts, roles: await deployPlaybook(inv) },
      { check: false, diff: false, forks: 1, maxFailPercent: 100 },
      conns,
      () => undefined,
    );
    expect(r.recap[0]).toMatchObject({ unreachable: false });
    // the whole playbook ran (binary, user, directories, config, unit, service, handler)
    expect(r.results.filter((t) => t.status === 'failed')).toEqual([]);
    expect(r.results.length).toBeGreaterThanOrEqual(10);
    await conns.closeAll();

    // The line as sent, the script it carries, and a script fed to `sh -s` (other stdin is file content).
    const texts = fake!.calls.flatMap((c) =>
      c.kind !== 'exec'
        ? []
        : [
            c.line,
            ...(typeof c.command === 'string' ? [c.command] : []),
            ...(c.stdin !== undefined && Array.isArray(c.command) && c.command.join(' ') === 'sh -s' ? [c.stdin] : []),
          ],
    );
    expect(texts.length).toBeGreaterThan(15);
    expect(texts.map(parsesAsSh).filter(Boolean)).toEqual([]);
    const sent = texts.join('\n');
    for (const v of [inv.paths.installDir, inv.paths.configDir, inv.paths.user, inv.paths.group])
      expect(sent).toContain(v);
  });
});
