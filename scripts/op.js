// Shared by the thin per-operation entries: `pnpm run <op> --hosts prod ...` is the CLI's `<op>`.
import { loadCli } from '../bin/load-cli.js';

export async function op(name) {
  // `pnpm restart` / `npm restart` run the stop, restart and start scripts in turn: acting on all
  // three would stop the whole fleet first. Only the restart script acts.
  if (process.env.npm_command === 'restart' && (name === 'start' || name === 'stop')) {
    process.stderr.write(`${name}: skipped — \`pnpm restart\` also runs the ${name} script; only restart acts (prefer \`pnpm run restart\`)\n`);
    process.exit(0);
  }
  const main = await loadCli();
  process.exit(await main([name, ...process.argv.slice(2)]));
}
