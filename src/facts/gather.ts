// Gather many facts in one round trip: each probe runs in its own subshell (or, when it says it is
// safe to, in the gathering shell itself), framed by markers, so one failing probe never hides another.
import { createHash } from 'node:crypto';
import type { Transport } from '../ssh/index.ts';
import { ToolError } from '../errors.ts';
import { batchInline, batchScript, splitBatch, type BatchKind } from './batch.ts';
import type { FactSpec, Facts } from './types.ts';

const MARK = '@@ekp-fact';

export function factScript(specs: FactSpec<unknown>[]): string {
  const parts = ['exec 2>/dev/null'];
  const frame = (id: string, script: string, inline = false) =>
    parts.push(
      `printf '\\n${MARK} ${id}\\n'; ${inline ? `{ ${script}\n}` : `( ${script}\n )`}; printf '\\n${MARK}-rc %s\\n' "$?"`,
    );
  for (const [i, s] of specs.entries()) if (!s.batch) frame(String(i), s.script, s.inline);
  for (const [kind, members] of batches(specs))
    frame(
      kind,
      batchScript(
        kind,
        members.map((s) => s.batch!.arg),
      ),
      batchInline(kind),
    );
  return parts.join('\n');
}

function batches(specs: FactSpec<unknown>[]): Map<BatchKind, FactSpec<unknown>[]> {
  const by = new Map<BatchKind, FactSpec<unknown>[]>();
  for (const s of specs) if (s.batch) by.set(s.batch.kind, [...(by.get(s.batch.kind) ?? []), s]);
  return by;
}

export function parseFactOutput(specs: FactSpec<unknown>[], out: string): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const groups = batches(specs);
  const re = new RegExp(`\\n${MARK} (\\d+|[a-z]+)\\n([\\s\\S]*?)\\n${MARK}-rc (\\d+)\\n`, 'g');
  for (const m of out.matchAll(re)) {
    const [text, code] = [m[2] ?? '', Number(m[3])];
    const members = groups.get(m[1] as BatchKind);
    if (members) {
      // one process answered for all: each member parses its share as if from its own script
      const shares = splitBatch(
        m[1] as BatchKind,
        members.map((s) => s.batch!.arg),
        text,
      );
      members.forEach((s, i) => values.set(s.key, s.parse(shares[i]!, 0)));
      continue;
    }
    const spec = specs[Number(m[1])];
    if (spec) values.set(spec.key, spec.parse(text, code));
  }
  return values;
}

/** Deduplicate by key, keeping the first spec of each key. */
export function uniqueFacts(specs: FactSpec<unknown>[]): FactSpec<unknown>[] {
  const seen = new Map<string, FactSpec<unknown>>();
  for (const s of specs) if (!seen.has(s.key)) seen.set(s.key, s);
  return [...seen.values()];
}

export interface FactReading {
  /** undefined: the probe's frame did not come back (the script died before it). */
  get<T>(spec: FactSpec<T>): T | undefined;
  has(spec: FactSpec<unknown>): boolean;
  code: number | null;
  stderr: string;
}

/** One round trip for a set of facts; a reader that can work with part of them checks each. */
export async function readFacts(
  t: Transport,
  specs: FactSpec<unknown>[],
  o: { timeoutMs?: number; signal?: AbortSignal; what?: string } = {},
): Promise<FactReading> {
  const todo = uniqueFacts(specs);
  const res = await t.exec(factScript(todo), o);
  const values = parseFactOutput(todo, res.stdout);
  return {
    get: <T>(s: FactSpec<T>) => values.get(s.key) as T | undefined,
    has: (s) => values.has(s.key),
    code: res.code,
    stderr: res.stderr,
  };
}

export class FactCache implements Facts {
  private readonly values = new Map<string, unknown>();
  constructor(private readonly host: string) {}

  async gather(transport: Transport, specs: FactSpec<unknown>[]): Promise<void> {
    const todo = uniqueFacts(specs);
    if (todo.length === 0) return;
    const res = await readFacts(transport, todo, { what: 'fact gathering' });
    this.keep(todo, res);
  }

  /** The same facts from factScript(specs)'s output, run on a channel the caller had open anyway. */
  accept(specs: FactSpec<unknown>[], out: string): void {
    const todo = uniqueFacts(specs);
    const values = parseFactOutput(todo, out);
    this.keep(todo, {
      get: <T>(s: FactSpec<T>) => values.get(s.key) as T,
      has: (s) => values.has(s.key),
      code: null,
      stderr: '',
    });
  }

  private keep(todo: FactSpec<unknown>[], res: FactReading): void {
    for (const s of todo) {
      if (!res.has(s)) {
        throw new ToolError(
          'fact',
          `unable to gather fact ${s.key} (exit ${res.code}): ${res.stderr.trim() || 'no output'}`,
          { host: this.host },
        );
      }
      this.values.set(s.key, res.get(s));
    }
  }

  has(spec: FactSpec<unknown>): boolean {
    return this.values.has(spec.key);
  }

  get<T>(spec: FactSpec<T>): T {
    if (!this.values.has(spec.key))
      throw new ToolError('fact', `fact ${spec.key} was not gathered`, { host: this.host });
    return this.values.get(spec.key) as T;
  }
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
