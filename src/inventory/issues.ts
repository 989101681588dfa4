// Turns zod issues into Problems in our own words: what was found, what was expected, where.
// zod's default texts never reach the user (they are silenced with an empty message at parse).
import { z } from 'zod';
import type { Problem } from '../errors.ts';
import { formatPath, type KeyPath, type PathLocator } from './locate.ts';
import { suggest } from './suggest.ts';

type Issue = z.core.$ZodIssue;

export interface IssueContext {
  file: string;
  data: unknown;
  locator?: PathLocator;
  schema: z.ZodType;
}

export function issuesToProblems(issues: readonly Issue[], ctx: IssueContext): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const add = (path: KeyPath, message: string, key = false) => {
    const id = formatPath(path);
    if (seen.has(id)) return; // a value failing several checks is reported once, by the first
    seen.add(id);
    const pos = ctx.locator?.find(path, { key });
    const file = ctx.locator?.fileOf?.(path) ?? ctx.file;
    problems.push({ file, path: id, message, ...(pos && { line: pos.line, column: pos.column }) });
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(ctx.schema, issue.path);
      for (const key of issue.keys) {
        const hint = suggest(key, allowed);
        add(
          [...issue.path, key],
          hint ? `unknown key (did you mean "${hint}"?)` : `unknown key (allowed: ${allowed.join(', ')})`,
          true,
        );
      }
      continue;
    }
    const value = valueAt(ctx.data, issue.path);
    if (value === undefined && issue.code === 'invalid_type') {
      add(issue.path, 'required key is missing');
      continue;
    }
    // A message may place what was found itself ({found}), e.g. before an explanation.
    const expected = issue.message || defaultExpectation(issue);
    add(
      issue.path,
      expected.includes('{found}')
        ? expected.replace('{found}', describe(value))
        : `${expected}, found ${describe(value)}`,
    );
  }
  return problems;
}

function defaultExpectation(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `expected at least ${String(issue.minimum)} item(s)`
        : `expected at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `expected at most ${String(issue.maximum)} item(s)`
        : `expected at most ${String(issue.maximum)}`;
    default:
      return 'expected a different value';
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
};

/** A value as the user wrote it, short and on one line (JSON escapes newlines). */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 76)}..."` : text;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  return 'a mapping';
}

export function valueAt(data: unknown, path: KeyPath): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** Keys the schema allows in the object at `path` (for "did you mean"). */
export function allowedKeys(schema: z.ZodType, path: KeyPath): string[] {
  let cur: unknown = schema;
  for (const seg of path) {
    cur = unwrap(cur);
    if (cur instanceof z.ZodArray && typeof seg === 'number') cur = cur.element;
    else if (cur instanceof z.ZodObject) cur = (cur.shape as Record<string, unknown>)[String(seg)];
    else if (cur instanceof z.ZodRecord) cur = cur.valueType;
    else return [];
  }
  cur = unwrap(cur);
  return cur instanceof z.ZodObject ? Object.keys(cur.shape) : [];
}

function unwrap(schema: unknown): unknown {
  let cur = schema;
  while (cur instanceof z.ZodOptional || cur instanceof z.ZodDefault || cur instanceof z.ZodNullable)
    cur = cur.unwrap();
  return cur;
}
