// The shape of a module case (README.md in this directory) and how a planned step is put in that
// shape for comparison: long scripts are matched by the pieces a case lists, everything else exactly.
import { z } from 'zod';
import type { Step } from '../../../src/runner/types.ts';
import { buildCommand } from '../../../src/ssh/command.ts';

/** A script matched by pieces; with `argv`, the command is that argv prefix plus the script. */
const Pieces = z.strictObject({ argv: z.array(z.string()).optional(), contains: z.array(z.string()).min(1) });
type Pieces = z.infer<typeof Pieces>;

export interface ExpectedStep {
  kind: 'exec' | 'put' | 'lazy' | 'fallback' | 'note';
  action: string;
  message?: string;
  command?: string | string[] | Pieces;
  /** The command line as sent (argv quoted), to show how hostile values are quoted. */
  line?: string;
  stdin?: string;
  stdin_contains?: string[];
  timeoutMs?: number;
  become?: boolean;
  path?: string;
  mode?: number;
  source?: string;
  resolves?: ExpectedStep[];
}

const StepSchema: z.ZodType<ExpectedStep> = z.lazy(() =>
  z.strictObject({
    kind: z.enum(['exec', 'put', 'lazy', 'fallback', 'note']),
    action: z.string(),
    message: z.string().optional(),
    command: z.union([z.string(), z.array(z.string()), Pieces]).optional(),
    line: z.string().optional(),
    stdin: z.string().optional(),
    stdin_contains: z.array(z.string()).min(1).optional(),
    timeoutMs: z.number().optional(),
    become: z.boolean().optional(),
    path: z.string().optional(),
    mode: z.number().optional(),
    source: z.string().optional(),
    resolves: z.array(StepSchema).optional(),
  }),
);

/** A fact's raw output as the host prints it; a bare string means exit code 0. */
const FactOutput = z.union([z.string(), z.strictObject({ stdout: z.string(), code: z.number().int() })]);

export const CaseSchema = z.strictObject({
  args: z.unknown(),
  facts: z.record(z.string(), FactOutput).default({}),
  /** Titles of the tasks that changed earlier in this run (the same key objects args link to). */
  changed: z.array(z.string()).default([]),
  check: z.boolean().default(false),
  diff: z.boolean().default(false),
  /** The host's ssh login (release uploads differ through sudo). */
  host: z.strictObject({ user: z.string(), become: z.boolean() }).default({ user: 'root', become: false }),
  expect: z.strictObject({
    kind: z.enum(['ok', 'change', 'probe', 'skip', 'fail', 'throws']),
    message: z.string().optional(),
    reason: z.string().optional(),
    error: z.string().optional(),
    notify: z.array(z.string()).optional(),
    diff: z
      .array(z.strictObject({ path: z.string(), before: z.string().nullable(), after: z.string().nullable() }))
      .optional(),
    steps: z.array(StepSchema).optional(),
    /** What the runner reports for the task (check mode: what it would do). */
    result: z
      .strictObject({
        status: z.enum(['ok', 'changed', 'skipped', 'failed']),
        message: z.string().optional(),
        error: z.string().optional(),
      })
      .optional(),
  }),
});
export type Case = z.infer<typeof CaseSchema>;

export function factOutput(v: z.infer<typeof FactOutput>): { stdout: string; code: number } {
  return typeof v === 'string' ? { stdout: v, code: 0 } : v;
}

/** The actual step in the case's shape; where a piece is missing, the result says which. */
export async function asExpected(step: Step, want: ExpectedStep | undefined): Promise<ExpectedStep> {
  if (step.kind === 'lazy') {
    const resolved = await step.resolve();
    return {
      kind: 'lazy',
      action: step.action,
      resolves: await Promise.all(resolved.map((s, i) => asExpected(s, want?.resolves?.[i]))),
    };
  }
  if (step.kind === 'note') return { kind: 'note', action: step.action, message: step.message };
  if (step.kind === 'fallback') {
    return {
      kind: 'fallback',
      action: step.action,
      resolves: await Promise.all(step.steps.map((s, i) => asExpected(s, want?.resolves?.[i]))),
    };
  }
  if (step.kind === 'put') {
    const source = Buffer.isBuffer(step.source) ? `<${step.source.length} bytes>` : step.source.localPath;
    return omitUndefined({ kind: 'put', action: step.action, path: step.path, mode: step.mode, source });
  }
  // bytes are shown as base64, so a binary upload can be matched too
  const stdin =
    step.stdin === undefined
      ? undefined
      : Buffer.isBuffer(step.stdin)
        ? `base64:${step.stdin.toString('base64')}`
        : step.stdin;
  const out: ExpectedStep = {
    kind: 'exec',
    action: step.action,
    command: step.command,
    stdin,
    timeoutMs: step.timeoutMs,
    become: step.become,
  };
  if (want?.line !== undefined) out.line = buildCommand(step.command, { become: false });
  const wc = want?.command;
  if (wc && typeof wc === 'object' && !Array.isArray(wc)) out.command = matchPieces(step.command, wc);
  if (stdin !== undefined && want?.stdin_contains) {
    const missing = want.stdin_contains.filter((p) => !stdin.includes(p));
    delete out.stdin;
    out.stdin_contains = missing.length
      ? [...want.stdin_contains, `MISSING: ${JSON.stringify(missing)} in ${stdin}`]
      : want.stdin_contains;
  }
  return omitUndefined(out);
}

function matchPieces(command: string | string[], want: Pieces): ExpectedStep['command'] {
  const prefix = want.argv ?? [];
  let text: string | undefined;
  if (prefix.length === 0 && typeof command === 'string') text = command;
  if (prefix.length > 0 && Array.isArray(command) && prefix.every((p, i) => command[i] === p))
    text = command.slice(prefix.length).join('\n');
  if (text === undefined) return command; // wrong form: the comparison shows the actual command
  const missing = want.contains.filter((p) => !text.includes(p));
  return missing.length
    ? { ...want, contains: [...want.contains, `MISSING: ${JSON.stringify(missing)} in ${text}`] }
    : want;
}

function omitUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
