// Facts probed together: every plain path in one `stat` and one `sha256sum`, every unit in one
// `systemctl show`, every listed directory's owner and mode in one `stat`, instead of processes
// for each. The split hands
// each fact the very text its own script would have printed, so its parser is the same.
import { quote } from '../ssh/index.ts';

export type BatchKind = 'path' | 'unit' | 'dir';

/** Names a batch can carry: no newline, backslash or `|` that would blur stat's or sha256sum's lines. */
const PLAIN = /^\/[\w./@+-]*$/;
export const plainPath = (p: string): boolean => PLAIN.test(p);

export function batchScript(kind: BatchKind, args: string[]): string {
  const list = args.map(quote).join(' ');
  if (kind === 'dir') return dirsScript(list);
  if (kind === 'unit') return `systemctl show --timestamp=unix -p ${UNIT_PROPS} -- ${list}`;
  return [
    // links with their target; everything else there in one stat, then the regular files' checksums
    `set --; for p in ${list}; do if [ -L "$p" ]; then printf '@l %s\\n' "$p"; readlink -- "$p"; elif [ -e "$p" ]; then set -- "$@" "$p"; fi; done`,
    `[ $# -eq 0 ] || stat -c '@s %F|%a %U %G %s|%n' -- "$@"`,
    'for p; do shift; [ -f "$p" ] && set -- "$@" "$p"; done',
    '[ $# -eq 0 ] || sha256sum -- "$@"; true',
  ].join('\n');
}

/** Whether a batch may run in the gathering shell (facts/gather.ts): the directory listing uses cd -P. */
export const batchInline = (kind: BatchKind): boolean => kind !== 'dir';

/** Every property a unit fact reads (facts/system.ts parses them). */
export const UNIT_PROPS =
  'LoadState,ActiveState,SubState,UnitFileState,ActiveEnterTimestamp,StateChangeTimestamp,ExecMainStartTimestamp,NeedDaemonReload,NRestarts,MainPID';

/** Each argument's output as its own probe would have printed it. */
export function splitBatch(kind: BatchKind, args: string[], out: string): string[] {
  if (kind === 'dir') return splitDirs(args, out);
  return kind === 'unit' ? splitUnits(args, out) : splitPaths(args, out);
}

/** Most names listed per directory (ownership/facts.ts): enough to tell the tool's layout from others. */
export const MAX_ENTRIES = 200;

/**
 * Shell printing, per directory, its real path and what is there; for a directory, the names in
 * it (builtins: cd -P, a glob). The markers hold a `/`, which no listed name can.
 */
export function dirListing(p: string): string {
  return (
    `if cd -P -- ${p} 2>/dev/null; then pwd -P; else readlink -m -- ${p}; fi; if [ -L ${p} ]; then echo link; ` +
    `elif [ -d ${p} ]; then echo directory; n=0; ` +
    `for e in ${p}/* ${p}/.[!.]* ${p}/..?*; do { [ -e "$e" ] || [ -L "$e" ]; } || continue; ` +
    `n=$((n + 1)); [ $n -le ${MAX_ENTRIES} ] || break; printf '%s\\n' "\${e##*/}"; done; ` +
    `elif [ -e ${p} ]; then echo other; else echo absent; fi`
  );
}

function dirsScript(list: string): string {
  return [
    `for p in ${list}; do printf '@/d %s\\n' "$p"; ${dirListing('"$p"')}; done`,
    `set --; for p in ${list}; do if [ ! -L "$p" ] && [ -d "$p" ]; then set -- "$@" "$p"; fi; done`,
    `[ $# -eq 0 ] || stat -c '@/m %a %U %G|%n' -- "$@"`,
  ].join('\n');
}

// each directory's section, its stat line put back after `directory` as its own probe prints it
function splitDirs(args: string[], out: string): string[] {
  const sections = new Map<string, string[]>();
  const stat = new Map<string, string>();
  let cur: string[] | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('@/d ')) sections.set(line.slice(4), (cur = []));
    else if (line.startsWith('@/m ')) {
      const i = line.indexOf('|');
      stat.set(line.slice(i + 1), line.slice(4, i));
    } else cur?.push(line);
  }
  return args.map((p) => {
    const [real = '', type = '', ...entries] = sections.get(p) ?? [];
    const head = type === 'directory' ? [real, type, stat.get(p) ?? ''] : [real, type];
    return [...head, ...entries].join('\n');
  });
}

// `systemctl show` prints one block per unit, in argument order, separated by an empty line
function splitUnits(args: string[], out: string): string[] {
  const blocks = out.replace(/^\n+/, '').split(/\n\n/);
  return args.map((_, i) => blocks[i] ?? '');
}

function splitPaths(args: string[], out: string): string[] {
  const link = new Map<string, string>();
  const stat = new Map<string, { kind: string; meta: string }>();
  const sums = new Map<string, string>();
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('@l ')) link.set(line.slice(3), lines[++i] ?? '');
    else if (line.startsWith('@s ')) {
      const [kind = '', meta = '', ...name] = line.slice(3).split('|');
      stat.set(name.join('|'), { kind, meta });
    } else {
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (m) sums.set(m[2]!, m[1]!);
    }
  }
  return args.map((p) => {
    if (link.has(p)) return `link\n${link.get(p)}\n`;
    const s = stat.get(p);
    if (!s) return 'absent\n';
    if (s.kind === 'directory') return `directory\n${s.meta.split(' ').slice(0, 3).join(' ')}\n`;
    if (s.kind.startsWith('regular')) return `file\n${s.meta}\n${sums.get(p) ?? ''}  -\n`;
    return `other\n${s.kind}\n`;
  });
}
