// files/envoy-releases.lock.yaml as an input like the inventory: its values reach a root shell on
// every host (the verify script), so the whole file is checked against a strict schema before any
// host is contacted, and every problem is reported with line:column, key path and what was expected.
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { SEMVER, SHA256 } from '../inventory/formats.ts';
import { describe, issuesToProblems } from '../inventory/issues.ts';
import { formatPath } from '../inventory/locate.ts';
import { inFileOrder, parseInputMapping } from '../inventory/input-file.ts';
import type { Arch } from '../inventory/types.ts';

export type Pins = Record<string, Partial<Record<Arch, string>>>;

const SHA = 'expected a sha256 of 64 lowercase hex digits';
const sha = () => z.string({ error: SHA }).regex(SHA256, { error: SHA });

export const lockSchema = z.strictObject({
  releases: z
    .record(
      z.string(),
      z.strictObject(
        { x86_64: sha().optional(), aarch_64: sha().optional() },
        { error: 'expected a mapping of arch to sha256 (x86_64: <64 hex>)' },
      ),
      {
        error: 'expected a mapping of versions to sha256 per arch (1.35.0: {x86_64: <64 hex>})',
      },
    )
    .optional(),
});

/** A lockfile is a few KiB; anything near this is not one. */
export const MAX_LOCKFILE_BYTES = 1024 * 1024;

/** The releases of a lockfile's text, or an InputError naming every problem. Empty text: no entries. */
export function parsePins(text: string, file: string): Pins {
  const { data, locator } = parseInputMapping(text, file, {
    kind: 'lockfile',
    what: 'a lockfile',
    expected: 'a mapping with releases:',
  });
  if (data === undefined) return {};
  const parsed = lockSchema.safeParse(data, { error: () => '' }); // issues.ts words the problems
  const problems = parsed.success
    ? []
    : issuesToProblems(parsed.error.issues, { file, data, locator, schema: lockSchema });
  const releases = data.releases;
  if (releases && typeof releases === 'object' && !Array.isArray(releases)) {
    for (const version of Object.keys(releases)) {
      if (SEMVER.test(version)) continue;
      const pos = locator.find(['releases', version], { key: true });
      const path = formatPath(['releases', version]);
      const message = `expected an Envoy version of three numbers such as 1.35.0 as the key, found ${describe(version)}`;
      // a bad key is the problem to fix first: it replaces what was said about its value
      const at = problems.findIndex((p) => p.path === path);
      const problem = { file, path, message, ...(pos && { line: pos.line, column: pos.column }) };
      if (at >= 0) problems[at] = problem;
      else problems.push(problem);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new InputError('lockfile', inFileOrder(problems));
  return (parsed.data!.releases ?? {}) as Pins;
}
