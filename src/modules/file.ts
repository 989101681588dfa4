// file: a file's exact content, owner and mode. Written to a temp file in the same directory,
// checked (sha256, optional validate command), then renamed over the target: never half-written.
import { posix } from 'node:path';
import { pathFact, globFact, type PathFact } from '../facts/file.ts';
import { sha256 } from '../facts/gather.ts';
import { quote } from '../ssh/index.ts';
import type { FactSpec, Facts } from '../facts/types.ts';
import { change, fail, ok, type Diff, type Module, type Step } from '../runner/types.ts';

export interface FileArgs {
  path: string;
  content: string | Buffer;
  mode: number;
  owner?: string;
  group?: string;
  /** Create the parent directory (root-owned, 755) if missing: e.g. a unit's `<unit>.d` for a drop-in. */
  parents?: boolean;
}

export const TEMP_MARK = '.ekp-tmp';

export function tempPrefix(path: string): string {
  return `.${posix.basename(path)}${TEMP_MARK}`;
}

export function file(a: FileArgs): Module {
  const want = sha256(a.content);
  const owner = a.owner ?? 'root';
  const group = a.group ?? 'root';
  const dir = posix.dirname(a.path);
  const stale = globFact(dir, tempPrefix(a.path));
  return {
    facts: ({ diff }) => [pathFact(a.path, { content: diff }), stale],
    plan({ facts, diff }) {
      const cur = facts.get(pathFact(a.path, { content: diff }));
      const steps: Step[] = [];
      const leftovers = facts.get(stale);
      if (leftovers.length) steps.push(removeStep(dir, leftovers));
      if (cur.type === 'directory' || cur.type === 'other') {
        return fail(`${a.path} exists and is a ${cur.type === 'other' ? cur.kind : 'directory'}, not a file`);
      }
      const same = cur.type === 'file' && cur.sha256 === want;
      if (!same) {
        steps.push(writeFileStep(a, want));
        return change(steps, {
          diff: diff ? [fileDiff(a.path, cur, a.content)] : undefined,
          message: cur.type === 'absent' ? 'created' : 'content changed',
        });
      }
      if (cur.type === 'file' && (cur.mode !== a.mode || cur.owner !== owner || cur.group !== group)) {
        steps.push({
          kind: 'exec',
          action: `set owner and mode of ${a.path}`,
          command: `chown ${quote(`${owner}:${group}`)} ${quote(a.path)} && chmod ${a.mode.toString(8)} ${quote(a.path)}`,
        });
        return change(steps, {
          message: `mode/owner ${cur.mode.toString(8)} ${cur.owner}:${cur.group} → ${a.mode.toString(8)} ${owner}:${group}`,
        });
      }
      return steps.length ? change(steps, { message: 'removed stale temp files' }) : ok();
    },
  };
}

/**
 * A file whose content depends on facts of the host (e.g. the unit's sandbox on a container):
 * those facts are gathered with the file's own in the play's one round trip, then it is a file.
 */
export function factFile(
  a: Omit<FileArgs, 'content'>,
  inputs: FactSpec<unknown>[],
  content: (facts: Facts) => string,
): Module {
  const probe = file({ ...a, content: '' });
  return {
    facts: (o) => [...probe.facts(o), ...inputs],
    plan: (ctx) => file({ ...a, content: content(ctx.facts) }).plan(ctx),
  };
}

/** One round trip: content goes through stdin, the script verifies it before the rename. */
export function writeFileStep(a: FileArgs, want: string): Extract<Step, { kind: 'exec' }> {
  const p = quote(a.path);
  const tmpl = quote(`${posix.dirname(a.path)}/.${posix.basename(a.path)}${TEMP_MARK}XXXXXX`);
  const lines = [
    'set -e',
    ...(a.parents ? [`mkdir -p -m 755 ${quote(posix.dirname(a.path))}`] : []),
    `t=$(mktemp ${tmpl})`,
    `trap 'rm -f "$t"' EXIT INT TERM HUP`,
    `cat > "$t"`,
    `[ "$(sha256sum "$t" | cut -d' ' -f1)" = ${quote(want)} ] || { echo "content arrived corrupted (sha256 mismatch)" >&2; exit 1; }`,
    `chown ${quote(`${a.owner ?? 'root'}:${a.group ?? 'root'}`)} "$t"`,
    `chmod ${a.mode.toString(8)} "$t"`,
  ];
  lines.push(`mv -f "$t" ${p}`, 'trap - EXIT INT TERM HUP');
  return { kind: 'exec', action: `write ${a.path}`, command: lines.join('\n'), stdin: a.content };
}

export function removeStep(dir: string, names: string[]): Step {
  return {
    kind: 'exec',
    action: `remove stale files in ${dir}`,
    command: ['rm', '-f', '--', ...names.map((n) => posix.join(dir, n))],
  };
}

export function fileDiff(path: string, cur: PathFact, after: string | Buffer | null): Diff {
  const before = cur.type === 'file' ? (cur.content ?? `<${cur.size} bytes, sha256 ${cur.sha256}>`) : null;
  return { path, before, after: after === null ? null : typeof after === 'string' ? after : `<${after.length} bytes>` };
}
