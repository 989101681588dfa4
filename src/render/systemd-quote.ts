// Values in a unit file: `%` starts a specifier everywhere, `$` expands variables in Exec lines,
// and whitespace splits Exec arguments. Newlines cannot be expressed at all.

function noNewline(value: string): string {
  if (/[\r\n]/.test(value)) throw new RangeError(`systemd unit value contains a newline: ${JSON.stringify(value)}`);
  return value;
}

/** A plain directive value (User=, ReadWritePaths= entry, ...). */
export function unitValue(value: string): string {
  return noNewline(value).replace(/%/g, '%%');
}

/** One argument of an Exec*= command line. */
export function execArg(value: string): string {
  const v = unitValue(value).replace(/\$/g, '$$$$');
  if (v !== '' && /^[A-Za-z0-9_@%+=:,./$-]+$/.test(v)) return v;
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function execLine(args: readonly string[]): string {
  return args.map(execArg).join(' ');
}
