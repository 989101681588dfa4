// CLI basics a platform team expects: --version, --hosts from the environment, --json for bad
// input (one document with every problem), plan --detailed-exitcode as Terraform's.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.ts';
import { detailedExitCode } from '../../../src/cli/play.ts';
import { EXIT } from '../../../src/cli/spec.ts';
import type { HostRecap, RunResult } from '../../../src/runner/types.ts';

const BAD = 'test/corpus/bad-inventories/dns-endpoint.yaml';

/** Runs the CLI, capturing what it writes. */
async function cli(...argv: string[]) {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const code = await main(argv);
    const text = (m: { mock: { calls: unknown[][] } }) => m.mock.calls.map((c) => String(c[0])).join('');
    return { code, stdout: text(out) + log.mock.calls.map((c) => `${String(c[0])}\n`).join(''), stderr: text(err) };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => vi.unstubAllEnvs());

describe('--version', () => {
  it("prints package.json's version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await cli(flag);
      expect(r).toMatchObject({ code: EXIT.ok, stdout: `${version}\n` });
    }
  });
});

describe('EKP_HOSTS', () => {
  it('stands in for --hosts; the flag wins over it', async () => {
    vi.stubEnv('EKP_HOSTS', 'prod');
    const r = await cli('validate');
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain('hosts/prod.yaml: OK');
    const flag = await cli('validate', '--hosts', BAD);
    expect(flag.code).toBe(EXIT.input);
    expect(flag.stderr).toContain(BAD);
  });

  it('without either, the usage error names the variable', async () => {
    vi.stubEnv('EKP_HOSTS', undefined);
    const r = await cli('validate');
    expect(r.code).toBe(EXIT.input);
    expect(r.stderr).toContain("required option '-H, --hosts <inventory>' not specified");
  });
});

describe('--json on bad input', () => {
  it('one JSON document on stdout with every problem: file, key path, line, column, message', async () => {
    const r = await cli('validate', '--json', '--hosts', 'test/corpus/bad-inventories/unknown-key-deep.yaml');
    expect(r.code).toBe(EXIT.input);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: string; problems: Record<string, unknown>[] };
    expect(doc).toMatchObject({ ok: false, error: 'inventory' });
    expect(doc.problems.length).toBeGreaterThan(1);
    for (const p of doc.problems) {
      expect(p.file).toBe('test/corpus/bad-inventories/unknown-key-deep.yaml');
      expect(Object.keys(p)).toEqual(['file', 'path', 'line', 'column', 'message']);
      expect(p.line).toEqual(expect.any(Number));
    }
  });

  it('a usage error is a JSON document too', async () => {
    vi.stubEnv('EKP_HOSTS', undefined);
    const r = await cli('status', '--json', '--forks', 'x');
    expect(r.code).toBe(EXIT.input);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      error: 'usage',
      problems: [{ file: '<command line>', message: expect.stringContaining('expected a positive integer') }],
    });
  });

  it('without --json the same problems stay text on stderr', async () => {
    const r = await cli('validate', '--hosts', BAD);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^test\/corpus\/bad-inventories\/dns-endpoint\.yaml:5:32: clusters\[0\]/);
  });
});

describe('plan --detailed-exitcode', () => {
  const recap = (o: Partial<HostRecap>): HostRecap => ({
    host: 'lb1',
    ok: 10,
    changed: 0,
    failed: 0,
    skipped: 0,
    unreachable: false,
    roundTrips: 1,
    bytesSent: 0,
    ms: 1,
    ...o,
  });
  const run = (...r: Partial<HostRecap>[]): RunResult => ({ results: [], recap: r.map(recap), aborted: false });

  it('0 nothing to change, 2 changes pending, 1 a failure or an unreachable host', () => {
    expect(detailedExitCode(run({}, { host: 'lb2' }))).toBe(0);
    expect(detailedExitCode(run({}, { host: 'lb2', changed: 1 }))).toBe(2);
    expect(detailedExitCode(run({ changed: 1 }, { host: 'lb2', failed: 1 }))).toBe(1);
    expect(detailedExitCode(run({ changed: 1 }, { host: 'lb2', unreachable: true }))).toBe(1);
  });

  it('bad input is 1 with the flag (2 would read as "changes pending"), 2 without', async () => {
    expect((await cli('plan', '--detailed-exitcode', '--hosts', BAD)).code).toBe(1);
    expect((await cli('plan', '--hosts', BAD)).code).toBe(EXIT.input);
  });

  it('is a plan option only', async () => {
    expect((await cli('deploy', '--detailed-exitcode', '--hosts', BAD)).stderr).toContain(
      "unknown option '--detailed-exitcode'",
    );
  });
});
