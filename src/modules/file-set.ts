// fileSet: a directory of files that must change together (Envoy's bootstrap + xDS files).
// One round trip: every new file is staged under a temp name in the same directory, a complete
// copy of the tree is validated, and only then are the files renamed into place in a safe order;
// files matching `prune` that are no longer wanted are removed last. A failed validation leaves
// the old tree untouched.
import { posix } from 'node:path';
import { globFact, pathFact } from '../facts/file.ts';
import { sha256 } from '../facts/gather.ts';
import { quote } from '../ssh/index.ts';
import { change, fail, ok, type Diff, type Handler, type Module, type Plan } from '../runner/types.ts';
import { fileDiff } from './file.ts';
import { writeFileLines } from './heredoc.ts';

export interface SetFile {
  name: string; // file name inside dir
  content: string;
}

export interface FileSetArgs {
  dir: string;
  files: SetFile[]; // in the order they must be renamed into place
  owner: string;
  group: string;
  mode: number;
  /** Remove other files named <prefix>*<suffix> in dir. */
  prune?: { prefix: string; suffix: string };
  /** Validation: the tree rendered for `stageDir`, and the command that checks it. */
  validate?: { stageDir: string; files: SetFile[]; command: (bootstrapPath: string) => string };
  /** Which file changes notify which handler. */
  notify?: Record<string, Handler>;
  /**
   * After the renames: shell that checks Envoy loaded the changed files (`before` runs before
   * them); on failure the previous files are put back and the host fails.
   */
  loaded?: (changed: string[]) => { before: string; check: string } | undefined;
  /** Keep the replaced files in PREV_DIR until the run commits or restores them (a gated rollout). */
  keepPrevious?: boolean;
}

const NEW = '.ekp-new';
/** The previous versions of what a run replaced, and the script that puts them back. */
export const PREV_DIR = '.ekp-prev';

/** Put the previous files back (Envoy reloads them on the rename), then forget them. */
export function restorePreviousCommand(dir: string): string {
  const r = quote(posix.join(dir, PREV_DIR, 'restore'));
  return `if [ -f ${r} ]; then sh ${r}; fi`;
}

/** The new files stay: drop the previous ones. */
export function commitPreviousCommand(dir: string): string {
  return `rm -rf -- ${quote(posix.join(dir, PREV_DIR))}`;
}

export function fileSet(a: FileSetArgs): Module {
  const stale = globFact(a.dir, '.', NEW);
  // a validation tree left by an interrupted run (only inside dir; anything else is not ours to remove)
  const staleStage =
    a.validate && posix.dirname(a.validate.stageDir) === a.dir
      ? globFact(a.dir, posix.basename(a.validate.stageDir))
      : undefined;
  const pruneFact = a.prune ? globFact(a.dir, a.prune.prefix, a.prune.suffix) : undefined;
  // a PREV_DIR left by an interrupted rollout is a leftover like the temp files
  const stalePrev = a.keepPrevious || a.loaded ? globFact(a.dir, PREV_DIR) : undefined;
  const facts = (diff: boolean) => a.files.map((f) => pathFact(posix.join(a.dir, f.name), { content: diff }));
  return {
    facts: ({ diff }) => [
      ...facts(diff),
      stale,
      ...(staleStage ? [staleStage] : []),
      ...(stalePrev ? [stalePrev] : []),
      ...(pruneFact ? [pruneFact] : []),
    ],
    plan(ctx): Plan {
      const wanted = new Set(a.files.map((f) => f.name));
      const existed = (fs: SetFile[]) =>
        new Set(
          fs
            .filter((f) => ctx.facts.get(pathFact(posix.join(a.dir, f.name), { content: ctx.diff })).type === 'file')
            .map((f) => f.name),
        );
      const changed: SetFile[] = [];
      const fixMode: string[] = [];
      const diffs: Diff[] = [];
      for (const f of a.files) {
        const path = posix.join(a.dir, f.name);
        const cur = ctx.facts.get(pathFact(path, { content: ctx.diff }));
        if (cur.type !== 'file' && cur.type !== 'absent') return fail(`${path} exists and is not a regular file`);
        if (cur.type === 'absent' || cur.sha256 !== sha256(f.content)) {
          changed.push(f);
          if (ctx.diff) diffs.push(fileDiff(path, cur, f.content));
        } else if (cur.mode !== a.mode || cur.owner !== a.owner || cur.group !== a.group) {
          fixMode.push(path);
        }
      }
      const removed = (pruneFact ? ctx.facts.get(pruneFact) : []).filter((n) => !wanted.has(n));
      for (const n of removed)
        if (ctx.diff) diffs.push({ path: posix.join(a.dir, n), before: '<removed>', after: null });
      const leftovers = [stale, staleStage, stalePrev].flatMap((f) => (f ? ctx.facts.get(f) : []));
      if (!changed.length && !fixMode.length && !removed.length && !leftovers.length) return ok();

      const said = [
        changed.length ? `updated ${changed.map((f) => f.name).join(', ')}` : '',
        removed.length ? `removed ${removed.join(', ')}` : '',
        fixMode.length ? `fixed mode/owner of ${fixMode.length} file(s)` : '',
        !changed.length && !removed.length && !fixMode.length ? 'removed leftovers of an interrupted run' : '',
      ].filter(Boolean);
      const notify = new Set<Handler>();
      for (const f of [...changed.map((c) => c.name), ...removed]) {
        const h = a.notify?.[f];
        if (h) notify.add(h);
      }
      return change(
        [
          {
            kind: 'exec',
            action: `update ${a.dir}`,
            command: ['sh', '-s'],
            stdin: script(a, changed, removed, fixMode, leftovers, existed(changed)),
          },
        ],
        {
          diff: diffs.length ? diffs : undefined,
          message: said.join('; '),
          notify: [...notify],
        },
      );
    },
  };
}

function script(
  a: FileSetArgs,
  changed: SetFile[],
  removed: string[],
  fixMode: string[],
  leftovers: string[],
  existed: Set<string>,
): string {
  const d = quote(a.dir);
  const own = quote(`${a.owner}:${a.group}`);
  const mode = a.mode.toString(8);
  const out = ['set -eu', `cd ${d}`];
  for (const n of leftovers) out.push(`rm -rf -- ${quote(n)}`);
  const stage = a.validate && changed.length ? a.validate.stageDir : undefined;
  const temps = [
    ...changed.map((f) => `rm -f -- ${quote(`.${f.name}${NEW}`)}`),
    ...(stage ? [`rm -rf -- ${quote(stage)}`] : []),
  ];
  out.push(`cleanup() { ${temps.length ? temps.join('; ') : ':'}; }`);
  out.push('trap cleanup EXIT INT TERM HUP');
  const put = (path: string, content: string) => {
    out.push(...writeFileLines(path, content));
    out.push(`chown ${own} ${quote(path)}`, `chmod ${mode} ${quote(path)}`);
  };
  for (const f of changed) put(`.${f.name}${NEW}`, f.content);
  if (stage && a.validate) {
    out.push(`rm -rf -- ${quote(stage)}`, `mkdir -m 750 ${quote(stage)}`, `chown ${own} ${quote(stage)}`);
    for (const f of a.validate.files) put(posix.join(stage, f.name), f.content);
    out.push(
      `if ! out=$(${a.validate.command(posix.join(stage, 'envoy.yaml'))} 2>&1); then echo "the new configuration was rejected; the old one stays active:" >&2; echo "$out" >&2; exit 1; fi`,
    );
  }
  const loaded = changed.length || removed.length ? a.loaded?.(changed.map((f) => f.name)) : undefined;
  const keep = (a.keepPrevious || loaded) && (changed.length || removed.length);
  if (keep) out.push(...keepLines(a.dir, changed, removed, existed));
  if (loaded) out.push(loaded.before);
  for (const f of changed) out.push(`mv -f ${quote(`.${f.name}${NEW}`)} ${quote(f.name)}`);
  for (const n of removed) out.push(`rm -f -- ${quote(n)}`);
  for (const p of fixMode) out.push(`chown ${own} ${quote(p)}`, `chmod ${mode} ${quote(p)}`);
  out.push('trap - EXIT INT TERM HUP', 'cleanup');
  if (loaded) {
    out.push(
      `if ! ( ${loaded.check}
); then ${restorePreviousCommand(a.dir)}; echo 'the previous files are back in place' >&2; exit 1; fi`,
    );
    if (!a.keepPrevious) out.push(commitPreviousCommand(a.dir));
  }
  return `${out.join('\n')}\n`;
}

/** Hard links to what the renames replace, and the restore script (same order as the renames). */
function keepLines(dir: string, changed: SetFile[], removed: string[], existed: Set<string>): string[] {
  const prev = (n: string) => quote(`${PREV_DIR}/${n}`);
  const kept = [...removed, ...changed.map((f) => f.name).filter((n) => existed.has(n))];
  const added = changed.map((f) => f.name).filter((n) => !existed.has(n));
  const restore = [
    'set -eu',
    `cd ${quote(dir)}`,
    ...kept.map((n) => `mv -f -- ${prev(n)} ${quote(n)}`),
    ...added.map((n) => `rm -f -- ${quote(n)}`),
    `rm -rf -- ${quote(PREV_DIR)}`,
  ];
  return [
    `rm -rf -- ${quote(PREV_DIR)}`,
    `mkdir -m 700 ${quote(PREV_DIR)}`,
    ...kept.map((n) => `ln -- ${quote(n)} ${prev(n)}`),
    ...writeFileLines(`${PREV_DIR}/restore`, `${restore.join('\n')}\n`),
  ];
}
