// Module cases as data: every test/unit/modules/<module>/*.yaml gives a module's arguments and the
// raw output of the facts it reads; the real parsers read that output through the real FactCache,
// the module plans, and the plan must be exactly what the case expects. No root, no host: the
// case format is in README.md here. A module file without cases fails, so new modules bring some.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FactCache, factScript, uniqueFacts } from '../../../src/facts/gather.ts';
import type { HostSpec } from '../../../src/inventory/types.ts';
import { runTask } from '../../../src/runner/run.ts';
import { messageOf } from '../../../src/errors.ts';
import {
  task,
  taskKey,
  type Handler,
  type Module,
  type Plan,
  type Step,
  type TaskContext,
  type TaskKey,
} from '../../../src/runner/types.ts';
import { buildCommand } from '../../../src/ssh/command.ts';
import { createFakeTransport } from '../../../src/ssh/fake.ts';
import { quote } from '../../../src/ssh/quote.ts';
import { host as hostSpec, prodInventory } from '../render/fixtures.ts';
import { adapters, type Refs } from './adapters.ts';
import { asExpected, CaseSchema, factOutput, type Case } from './case.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = join(HERE, '../../../src/modules');

/** Module files: those exporting a function that returns a Module (helpers like heredoc.ts do not). */
const modules = readdirSync(SRC)
  .filter(
    (f) => f.endsWith('.ts') && /^export function \w+\(.*\): Module \{$/m.test(readFileSync(join(SRC, f), 'utf8')),
  )
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();
const caseDirs = readdirSync(HERE, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const cases = caseDirs.flatMap((dir) =>
  readdirSync(join(HERE, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ dir, name: `${dir}/${f}`, path: join(HERE, dir, f) })),
);

describe('the module cases', () => {
  it('cover every module in src/modules, each with an adapter', () => {
    expect(modules.length).toBeGreaterThanOrEqual(12);
    expect(modules.filter((m) => !cases.some((c) => c.dir === m))).toEqual([]);
    expect(Object.keys(adapters).sort()).toEqual(modules);
  });

  it('name only modules that exist', () => {
    expect(caseDirs.filter((d) => !modules.includes(d))).toEqual([]);
  });
});

describe.each(modules)('%s', (mod) => {
  it.each(cases.filter((c) => c.dir === mod))('$name', async ({ dir, path }) => {
    const c = CaseSchema.parse(parse(readFileSync(path, 'utf8')));
    const refs = newRefs();
    const module = adapters[dir]!(c.args, refs);
    const host: HostSpec = { ...hostSpec('lb1', '192.168.1.11'), ssh: { ...hostSpec('lb1', '').ssh, ...c.host } };
    const become = host.ssh.become && host.ssh.user !== 'root';
    const facts = await gather(module, c, become);
    const ctx: TaskContext = {
      inv: prodInventory(),
      host,
      facts,
      check: c.check,
      diff: c.diff,
      changed: new Set(c.changed.map(refs.key)),
    };

    let plan: Plan;
    try {
      plan = await module.plan(ctx);
    } catch (err) {
      expect({ kind: 'throws', error: messageOf(err) }).toEqual(c.expect);
      return;
    }
    const { result: wantResult, ...want } = c.expect;
    expect(await described(plan, want.steps)).toEqual(want);

    // The same task through the runner: check mode touches nothing; otherwise every step runs.
    const t = createFakeTransport('lb1', () => ({}), { become });
    const { result } = await runTask('case', task('case', module), ctx, t, {});
    expect(result.status).toBe(
      { ok: 'ok', probe: 'ok', change: 'changed', fail: 'failed', skip: 'skipped' }[plan.kind],
    );
    const ran = t.calls.map((call) =>
      call.kind === 'exec' ? call.line : call.kind === 'put' ? `put ${call.remotePath}` : 'forward',
    );
    expect(ran).toEqual(
      c.check || plan.kind === 'ok' || plan.kind === 'fail' || plan.kind === 'skip'
        ? []
        : await sent(plan.steps, become),
    );
    if (wantResult) expect({ status: result.status, message: result.message, error: result.error }).toEqual(wantResult);
  });
});

/** One key object and one handler object per name, for the args and the case's `changed`. */
function newRefs(): Refs {
  const keys = new Map<string, TaskKey>();
  const handlers = new Map<string, Handler>();
  return {
    key: (name) => keys.get(name) ?? keys.set(name, taskKey(name)).get(name)!,
    handler: (name) =>
      handlers.get(name) ??
      handlers
        .set(name, {
          name,
          run: () => Promise.reject(new Error('a module case never runs fleet handlers')),
        })
        .get(name)!,
  };
}

/**
 * The real FactCache over a fake host that answers the framed fact script: each probe is
 * replaced by one printing the case's captured output with its exit code, and that script runs
 * in sh, so the framing is a shell's. The fixture must hold exactly the facts the module asks for.
 */
async function gather(module: Module, c: Case, become: boolean): Promise<FactCache> {
  const asked = module.facts({ diff: c.diff });
  const specs = uniqueFacts(asked);
  const keys = specs.map((s) => s.key);
  expect(
    keys.filter((k) => !(k in c.facts)),
    'facts the module asks for that the case lacks',
  ).toEqual([]);
  expect(
    Object.keys(c.facts).filter((k) => !keys.includes(k)),
    'facts in the case the module never asks for',
  ).toEqual([]);
  const canned = specs.map((s) => {
    const { stdout, code } = factOutput(c.facts[s.key]!);
    // each probe framed on its own (no batch): the fixtures hold what its own script prints
    // its own subshell: the canned script exits with the probe's code
    return { ...s, script: `printf %s ${quote(stdout)}; exit ${code}`, batch: undefined, inline: false };
  });
  const sent = buildCommand(factScript(specs), { become });
  const t = createFakeTransport(
    'lb1',
    (cmd) =>
      cmd === sent
        ? { stdout: execFileSync('sh', ['-c', factScript(canned)], { encoding: 'utf8' }) }
        : { code: 127, stderr: `not the fact script: ${cmd}` },
    { become },
  );
  const facts = new FactCache('lb1');
  await facts.gather(t, asked);
  expect(t.calls.length, 'facts are gathered in one round trip').toBe(asked.length ? 1 : 0);
  return facts;
}

/** The plan in the case's shape (unset fields left out, handlers by name). */
async function described(plan: Plan, want: Case['expect']['steps']): Promise<Record<string, unknown>> {
  const steps = async (s: Step[]) => Promise.all(s.map((step, i) => asExpected(step, want?.[i])));
  switch (plan.kind) {
    case 'ok':
      return { kind: 'ok', ...(plan.message !== undefined ? { message: plan.message } : {}) };
    case 'fail':
      return { kind: 'fail', reason: plan.reason };
    case 'skip':
      return { kind: 'skip', reason: plan.reason };
    case 'probe':
      return { kind: 'probe', message: plan.message, steps: await steps(plan.steps) };
    case 'change':
      return {
        kind: 'change',
        ...(plan.message !== undefined ? { message: plan.message } : {}),
        ...(plan.notify?.length ? { notify: plan.notify.map((h) => h.name) } : {}),
        ...(plan.diff ? { diff: plan.diff } : {}),
        steps: await steps(plan.steps),
      };
  }
}

/** What the runner sends for these steps, lazy ones resolved: exec command lines and uploads. */
async function sent(steps: Step[], become: boolean): Promise<string[]> {
  const out: string[] = [];
  for (const s of steps) {
    if (s.kind === 'lazy') out.push(...(await sent(await s.resolve(), become)));
    else if (s.kind === 'fallback') out.push(...(await sent(s.steps, become)));
    else if (s.kind === 'note') continue;
    else if (s.kind === 'put') out.push(`put ${s.path}`);
    else out.push(buildCommand(s.command, { become: become && s.become !== false }));
  }
  return out;
}
