// Gather many facts in one round trip: each probe runs in its own subshell, framed by markers, so one
// failing probe never hides another.
import { createHash } from 'node:crypto';
import type { Transport } from '../ssh/index.ts';
import { ToolError } from '../errors.ts';
import type { FactSpec, Facts } from './types.ts';

const MARK = '@@ekp-fact';

export function factScript(specs: FactSpec<unknown>[]): string {
  const parts = ['exec 2>/dev/null'];
  for (const [i, s] of specs.entries()) {
    parts.push(`printf '\\n${MARK} ${i}\\n'; ( ${s.script}\n ); printf '\\n${MARK}-rc %s\\n' "$?"`);
  }
  return parts.join('\n');
}

export function parseFactOutput(specs: FactSpec<unknown>[], out: string): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const re = new RegExp(`\\n${MARK} (\\d+)\\n([\\s\\S]*?)\\n${MARK}-rc (\\d+)\\n`, 'g');
  for (const m of out.matchAll(re)) {
    const spec = specs[Number(m[1])];
    if (!spec) continue;
    values.set(spec.key, spec.parse(m[2] ?? '', Number(m[3])));
  }
  return values;
}

/** Deduplicate by key, keeping the first spec of each key. */
export function uniqueFacts(specs: FactSpec<unknown>[]): FactSpec<unknown>[] {
  const seen = new Map<string, FactSpec<unknown>>();
  for (const s of specs) if (!seen.has(s.key)) seen.set(s.key, s);
  return [...seen.values()];
}

export class FactCache implements Facts {
  private readonly values = new Map<string, unknown>();
  constructor(private readonly host: string) {}

  async gather(transport: Transport, specs: FactSpec<unknown>[]): Promise<void> {
    const todo = uniqueFacts(specs);
    if (todo.length === 0) return;
    const res = await transport.exec(factScript(todo), { what: 'fact gathering' });
    const parsed = parseFactOutput(todo, res.stdout);
    for (const s of todo) {
      if (!parsed.has(s.key)) {
        throw new ToolError('fact', `unable to gather fact ${s.key} (exit ${res.code}): ${res.stderr.trim() || 'no output'}`, { host: this.host });
      }
      this.values.set(s.key, parsed.get(s.key));
    }
  }

  has(spec: FactSpec<unknown>): boolean {
    return this.values.has(spec.key);
  }

  get<T>(spec: FactSpec<T>): T {
    if (!this.values.has(spec.key)) throw new ToolError('fact', `fact ${spec.key} was not gathered`, { host: this.host });
    return this.values.get(spec.key) as T;
  }
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
