// Loads fixture trees for the validate tests.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Problem } from '../../../src/errors.ts';
import type { TreeFile } from '../../../src/validate/index.ts';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function loadTree(set: string): TreeFile[] {
  const dir = join(FIXTURES, set);
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, doc: parse(readFileSync(join(dir, name), 'utf8')) as unknown }));
}

export function loadYaml(file: string): unknown {
  return parse(readFileSync(join(FIXTURES, file), 'utf8')) as unknown;
}

/** `path: message` lines, easy to read in a failed assertion. */
export const lines = (ps: Problem[]): string[] => ps.map((p) => `${p.path}: ${p.message}`);
