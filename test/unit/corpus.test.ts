// The bad-input corpus, run through the real CLI: every test/corpus/bad-inventories/<case> and
// test/corpus/bad-lockfiles/<case> must make `validate`, `plan`, `deploy`, `install` and `rollback`
// exit 2 with exactly <case>.expected on stderr, nothing on stdout, no stack trace, no warning, and
// without opening an SSH connection. Add a case by adding files; no code change is needed (each
// corpus's README.md describes its kinds of case).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NodeSSH } from 'node-ssh';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.ts';
import { ToolError } from '../../src/errors.ts';
import { connect } from '../../src/ssh/index.ts';
import { parseInventory } from '../../src/inventory/index.ts';

// Every connection of the CLI goes through ssh/connect.ts (play.ts imports it via ssh/index.ts).
// Here it only records the call and refuses: this file never opens a socket, even if a bad case
// were to get through.
vi.mock('../../src/ssh/connect.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/ssh/connect.ts')>();
  return {
    ...real,
    connect: vi.fn(async (host: { name: string }) => {
      throw new ToolError('connect', 'refused by the corpus test (no network)', { host: host.name });
    }),
  };
});

const REPO = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const CORPUS = 'test/corpus/bad-inventories';
const dir = join(REPO, CORPUS);
const LOCK_CORPUS = 'test/corpus/bad-lockfiles';
const lockDir = join(REPO, LOCK_CORPUS);
const generatedDir = mkdtempSync(join(tmpdir(), 'ekp-corpus-'));
afterAll(() => rmSync(generatedDir, { recursive: true, force: true }));

interface Case {
  name: string;
  /** What `--hosts` is given: relative to the repo root, or absolute for a generated file. */
  ref: () => Promise<string>;
  expected: string;
  /** EKP_LOCKFILE for the run (relative to the repo root): the lockfile under test. */
  lockfile?: string;
}

/** `<name>.yaml` as committed; else `<name>.gen.ts` writes it to a temp dir; else the file is missing. */
function loadCase(name: string): Case {
  const placeholders = (text: string) => text.replaceAll('<repo>', REPO).replaceAll('<tmp>', generatedDir);
  const expected = placeholders(readFileSync(join(dir, `${name}.expected`), 'utf8'));
  const gen = join(dir, `${name}.gen.ts`);
  if (!existsSync(join(dir, `${name}.yaml`)) && existsSync(gen)) {
    let written: Promise<string> | undefined;
    const ref = () =>
      (written ??= import(pathToFileURL(gen).href).then((m: { default: () => string | Buffer }) => {
        const path = join(generatedDir, `${name}.yaml`);
        writeFileSync(path, m.default());
        return path;
      }));
    return { name, ref, expected };
  }
  return { name, ref: async () => `${CORPUS}/${name}.yaml`, expected };
}

const caseNames = (d: string) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.expected'))
    .map((f) => f.slice(0, -'.expected'.length))
    .sort();
const cases = caseNames(dir).map(loadCase);

/** `<name>.lock.yaml` with the corpus's one valid inventory.yaml, which takes its sha256 from it. */
const lockCases: Case[] = caseNames(lockDir).map((name) => ({
  name,
  ref: async () => `${LOCK_CORPUS}/inventory.yaml`,
  expected: readFileSync(join(lockDir, `${name}.expected`), 'utf8'),
  lockfile: `${LOCK_CORPUS}/${name}.lock.yaml`,
}));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** console.* calls and process warnings: output that would bypass the two streams above. */
  other: string[];
}

/** One in-process CLI run with the repo root as working directory, every output captured. */
async function cli(argv: string[], lockfile?: string): Promise<Run> {
  const savedLock = process.env.EKP_LOCKFILE;
  if (lockfile) process.env.EKP_LOCKFILE = lockfile;
  let stdout = '';
  let stderr = '';
  const other: string[] = [];
  const spies = [
    vi.spyOn(process, 'cwd').mockReturnValue(REPO),
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true)),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi
        .spyOn(console, m)
        .mockImplementation((...args: unknown[]) => void other.push(`console.${m}: ${args.join(' ')}`)),
    ),
    vi
      .spyOn(process, 'emitWarning')
      .mockImplementation((w: string | Error) => void other.push(`warning: ${String(w)}`)),
  ];
  try {
    const code = await main(argv);
    return { code, stdout, stderr, other };
  } finally {
    for (const s of spies) s.mockRestore();
    if (savedLock === undefined) delete process.env.EKP_LOCKFILE;
    else process.env.EKP_LOCKFILE = savedLock;
  }
}

const sshConnects = vi.spyOn(NodeSSH.prototype, 'connect');
beforeEach(() => {
  vi.mocked(connect).mockClear();
  sshConnects.mockClear();
});
afterEach(() => {
  expect(vi.mocked(connect)).not.toHaveBeenCalled();
  expect(sshConnects).not.toHaveBeenCalled();
});

const COMMANDS = ['validate', 'plan', 'deploy', 'install', 'rollback'] as const;

function runsThroughTheCli(
  label: string,
  all: Case[],
  commands: readonly (typeof COMMANDS)[number][] = COMMANDS,
): void {
  it.each(all.flatMap((c) => commands.map((cmd) => ({ ...c, cmd, label: `${c.name}: ${cmd}` }))))(
    '$label',
    async ({ cmd, ref, expected, lockfile }) => {
      const r = await cli([cmd, '--hosts', await ref()], lockfile);
      expect(r.stderr).toBe(expected);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.other).toEqual([]);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stderr).not.toMatch(/internal error|Error:/);
    },
  );

  it(`each .expected line of ${label} names the file, with a line:column when the file has one, and a key path or a file-level reason`, () => {
    for (const c of all) {
      for (const line of c.expected.trimEnd().split('\n')) {
        expect(line, c.name).toMatch(/^(test\/corpus\/bad-(inventories|lockfiles)\/|\/)\S+\.yaml(:\d+:\d+)?: \S/);
      }
    }
  });
}

describe(`bad inventories (${CORPUS}) through the CLI`, () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));

  runsThroughTheCli(CORPUS, cases);

  it('keeps every case in a .yaml, a .gen.ts or none (a missing file), each with its .expected', () => {
    const inputs = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.gen.ts'));
    const names = new Set(cases.map((c) => c.name));
    expect(inputs.filter((f) => !names.has(f.replace(/\.(yaml|gen\.ts)$/, '')))).toEqual([]);
  });
});

describe(`bad lockfiles (${LOCK_CORPUS}) through the CLI`, () => {
  it('has cases', () => expect(lockCases.length).toBeGreaterThanOrEqual(10));

  // rollback switches back to a release already on the host: it never reads the lockfile
  runsThroughTheCli(LOCK_CORPUS, lockCases, ['validate', 'plan', 'deploy', 'install']);

  it('keeps every case in a .lock.yaml with its .expected, beside the one inventory.yaml', () => {
    const files = readdirSync(lockDir).filter((f) => f !== 'README.md' && f !== 'inventory.yaml');
    const names = lockCases.map((c) => c.name);
    expect(files.filter((f) => f.endsWith('.lock.yaml')).sort()).toEqual(names.map((n) => `${n}.lock.yaml`));
    expect(files.filter((f) => !f.endsWith('.lock.yaml') && !f.endsWith('.expected'))).toEqual([]);
  });
});

describe('the SSH seam this file watches', () => {
  // Without this, "never called" above could be vacuous: a good inventory must reach connect().
  it('is the one plan uses: a valid inventory reaches connect() for every host', async () => {
    const r = await cli(['plan', '--hosts', 'hosts/prod.yaml']);
    expect(vi.mocked(connect).mock.calls.map(([h]) => h.name)).toEqual(['lb1', 'lb2']);
    expect(r.code).toBe(3); // unreachable: the stub refuses
    vi.mocked(connect).mockClear();
  });

  // Likewise for the lockfile corpus: its inventory with a good lockfile gets as far as connecting.
  it('is reached by the lockfile corpus inventory with a well-formed lockfile', async () => {
    const good = join(generatedDir, 'good.lock.yaml');
    writeFileSync(good, `releases:\n  1.35.0:\n    x86_64: ${'ab'.repeat(32)}\n    aarch_64: ${'cd'.repeat(32)}\n`);
    const r = await cli(['plan', '--hosts', `${LOCK_CORPUS}/inventory.yaml`], good);
    expect(r.stderr).toBe('');
    expect(vi.mocked(connect).mock.calls.map(([h]) => h.name)).toEqual(['lb1']);
    expect(r.code).toBe(3);
    vi.mocked(connect).mockClear();
  });
});

describe('InputError', () => {
  it('carries the problems in its message too, without a stack', () => {
    const text = readFileSync(join(dir, 'duplicate-listen-port.yaml'), 'utf8');
    expect(() => parseInventory(text, 'x.yaml')).toThrowError(/^x\.yaml:3:38: clusters\[1\]\.listenPort: port 6443/);
  });
});
