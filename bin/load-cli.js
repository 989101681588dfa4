// Loads the CLI for bin/ and for scripts/ (`op`): the esbuild bundle in dist/ when it is newer than every source file (built by
// `pnpm install` through the prepare script, ~0.35 s and ~40 MiB less per run), otherwise the
// TypeScript sources through tsx, so an edited checkout never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.EKP_NO_BUNDLE === '1' || !existsSync(bundle)) return false;
  const built = statSync(bundle).mtimeMs;
  // an installed package ships the bundle without the sources (and without tsx)
  return ['src', 'roles'].every((d) => !existsSync(join(root, d)) || newestSource(join(root, d)) <= built);
}

/** The CLI's main(argv) → exit code. */
export async function loadCli() {
  if (bundleIsFresh()) return (await import(pathToFileURL(bundle).href)).main;
  const { register } = await import('tsx/esm/api');
  register();
  return (await import(pathToFileURL(join(root, 'src', 'cli.ts')).href)).main;
}

/** A thin entry of scripts/: `pnpm run <name> --hosts prod ...` is the CLI's `<name>`. */
export async function op(name) {
  // `pnpm restart` / `npm restart` run the stop, restart and start scripts in turn: acting on all
  // three would stop the whole fleet first. Only the restart script acts.
  if (process.env.npm_command === 'restart' && (name === 'start' || name === 'stop')) {
    process.stderr.write(
      `${name}: skipped — \`pnpm restart\` also runs the ${name} script; only restart acts (prefer \`pnpm run restart\`)\n`,
    );
    process.exit(0);
  }
  const main = await loadCli();
  process.exit(await main([name, ...process.argv.slice(2)]));
}
