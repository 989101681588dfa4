// Vitest setupFile (every project): each test file gets its own TMPDIR, removed after its last
// hook, so whatever the file, its helpers and the processes it starts create with tmpdir() / mktemp
// goes with it, pass or fail. os.tmpdir() reads TMPDIR on every call.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ekp-test-'));
process.env.TMPDIR = dir;

// Registered first, so it runs after the file's own afterAll hooks (vitest runs them as a stack).
afterAll(() => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }));
