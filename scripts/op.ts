// Shared by the thin per-operation entries: `pnpm run <op> --hosts prod ...` is the CLI's `<op>`.
import { main } from '../src/cli.ts';

export async function op(name: string): Promise<never> {
  process.exit(await main([name, ...process.argv.slice(2)]));
}
