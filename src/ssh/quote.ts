// The one shell-quoting function: every remote argument goes through here (POSIX sh rules).

// Left bare: cannot expand in sh, bash, dash or zsh (a leading `=` would in zsh, so it is quoted).
const SAFE = /^[A-Za-z0-9_/.:@+-][A-Za-z0-9_/.,:=@+-]*$/;

/**
 * Quote one argument for a POSIX shell: `'...'` with each `'` written as `'\''`.
 * Quoting does not stop a program from reading `-x` as an option: pass `--` where it matters.
 */
export function quote(arg: string): string {
  if (arg.includes('\0')) throw new TypeError(`cannot pass a NUL byte in a shell argument: ${JSON.stringify(arg)}`);
  if (SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Quote each argument and join them with spaces: the command line a remote shell will split back. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('cannot run an empty command');
  return argv.map(quote).join(' ');
}
