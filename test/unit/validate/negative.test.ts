// Table-driven negative (and a few positive) cases from fixtures/negative.yaml.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../src/errors.ts';
import { validateDocument, validateMessage, type DocumentKind } from '../../../src/validate/index.ts';
import { loadYaml } from './helpers.ts';

interface Case {
  name: string;
  type?: string;
  kind?: DocumentKind;
  deprecated?: 'error' | 'ignore';
  doc: unknown;
  expect: Record<string, string>[];
}

const cases = loadYaml('negative.yaml') as Case[];

function run(c: Case): Problem[] {
  const opts = { deprecated: c.deprecated };
  return c.kind
    ? validateDocument(c.kind, c.doc, 'test.yaml', opts)
    : validateMessage(c.type!, c.doc, { file: 'test.yaml', ...opts });
}

describe('strict validation cases', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = run(c).map((p) => ({ path: p.path, message: p.message }));
    const want = c.expect
      .map((e) => Object.entries(e)[0]!)
      .map(([path, text]) => ({ path, message: expect.stringContaining(text) }));
    expect(got).toEqual(expect.arrayContaining(want));
    expect(got).toHaveLength(want.length);
  });
});
