// The strict check of what the inventory renders, shared by `validate` and by every command that
// would write config to hosts (deploy, plan, install, rollback): it runs before any connection,
// because on the host `envoy --mode validate` only checks the bootstrap (envoy#36289).
import { parse } from 'yaml';
import { InputError, type Problem } from '../errors.ts';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { renderConfigFiles } from '../render/index.ts';
import { validateDocument } from './documents.ts';
import { validateTree } from './cross.ts';
import { kindOfFile } from './tree.ts';
import { checkedKey, rememberChecked, wasChecked } from './checked.ts';
import type { RenderedFile } from '../render/types.ts';

/** A file's parse and strict check, by its name and text less the header comment (which names the host). */
export type CheckMemo = Map<string, { doc: unknown; problems: Problem[] }>;

/**
 * Strict checks of one host's rendered files; problems name `<host>/<file>`. With a memo, a file
 * whose text (after its header) another host already rendered is not parsed and checked again:
 * a fleet's cds and eds files are the same on every host.
 */
export function checkRendered(inv: Inventory, host: HostSpec, configDir?: string, memo?: CheckMemo): Problem[] {
  return checkFiles(inv, host, renderConfigFiles(inv, host, configDir ? { configDir } : undefined), configDir, memo);
}

function checkFiles(
  inv: Inventory,
  host: HostSpec,
  files: RenderedFile[],
  configDir?: string,
  memo?: CheckMemo,
): Problem[] {
  const problems: Problem[] = [];
  const docs = files.map((f) => {
    const key = `${f.name}\0${f.content.replace(/^(#[^\n]*\n)+/, '')}`;
    let hit = memo?.get(key);
    if (!hit) {
      const doc = parse(f.content) as unknown;
      hit = { doc, problems: validateDocument(kindOfFile(f.name) ?? 'eds', doc, f.name) };
      memo?.set(key, hit);
    }
    problems.push(...hit.problems.map((p) => ({ ...p, file: `${host.name}/${p.file}` })));
    return { name: f.name, doc: hit.doc };
  });
  problems.push(...validateTree(docs, { configDir: configDir ?? inv.paths.configDir }));
  return problems;
}

/**
 * Every selected host's render checked; problems are reported against the inventory file (the
 * thing to fix), naming the rendered file and its key path, once for all hosts that share them.
 */
export function renderProblems(inv: Inventory, hosts: readonly HostSpec[], o: { rememberIn?: string } = {}): Problem[] {
  const seen = new Map<string, { problem: Problem; hosts: string[] }>();
  const memo: CheckMemo = new Map();
  for (const host of hosts) {
    const files = renderConfigFiles(inv, host);
    // a render this code accepted before (remembered) is not checked again
    const memory = o.rememberIn === undefined ? undefined : { dir: o.rememberIn, key: checkedKey(files) };
    if (memory && wasChecked(memory.key, memory.dir)) continue;
    const problems = checkFiles(inv, host, files, undefined, memo);
    if (memory && problems.length === 0) rememberChecked(memory.key, memory.dir);
    for (const p of problems) {
      const file = p.file.startsWith(`${host.name}/`) ? p.file.slice(host.name.length + 1) : p.file;
      const key = `${file}\0${p.path}\0${p.message}`;
      const hit = seen.get(key);
      if (hit) hit.hosts.push(host.name);
      else seen.set(key, { problem: { ...p, file }, hosts: [host.name] });
    }
  }
  return [...seen.values()].map(({ problem: p, hosts: names }) => ({
    file: inv.file,
    path: `rendered ${p.file}${p.path ? ` ${p.path}` : ''} (${names.join(', ')})`,
    message: p.message,
  }));
}

/**
 * Throws the exit-2 InputError when any selected host's render fails the strict check;
 * `rememberIn` (a cache directory): renders this code accepted before are not checked again
 * (validate/checked.ts).
 */
export function assertRenderValid(inv: Inventory, hosts: readonly HostSpec[], o: { rememberIn?: string } = {}): void {
  const problems = renderProblems(inv, hosts, o);
  if (problems.length) throw new InputError('validation', problems);
}
