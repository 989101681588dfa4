// `envoy --mode validate -c <bootstrap>`: the binary's own verdict. It checks that the
// path_config_source files exist, not their contents (envoy#36289); our strict check does that.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface EnvoyValidateResult {
  ok: boolean;
  /** stdout then stderr, as Envoy printed them (or why it could not run). */
  output: string;
}

export const ENVOY_VALIDATE_TIMEOUT_MS = 30_000;

/** Never rejects: a binary that is missing, hangs or fails gives `ok: false` and says why. */
export function runEnvoyValidate(
  envoyPath: string,
  bootstrapPath: string,
  opts: { timeoutMs?: number } = {},
): Promise<EnvoyValidateResult> {
  const timeout = opts.timeoutMs ?? ENVOY_VALIDATE_TIMEOUT_MS;
  return new Promise((resolve) => {
    execFile(
      envoyPath,
      ['--mode', 'validate', '-c', bootstrapPath],
      { timeout, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const output = [stdout, stderr].filter((s) => s.length > 0).join(stdout.endsWith('\n') ? '' : '\n');
        if (!err) return resolve({ ok: true, output });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        const why =
          e.code === 'ENOENT'
            ? `${envoyPath}: no such file`
            : e.code === 'EACCES'
              ? `${envoyPath}: not executable`
              : e.killed
                ? `${envoyPath} --mode validate timed out after ${timeout / 1000} s`
                : e.signal
                  ? `${envoyPath} --mode validate killed by ${e.signal}`
                  : '';
        resolve({ ok: false, output: why ? (output ? `${output}\n${why}` : why) : output || e.message });
      },
    );
  });
}

/** The `envoy` on this machine's PATH: validate and run use it when no --envoy is given. */
export async function findEnvoyOnPath(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, 'envoy');
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
