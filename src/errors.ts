// One base class for every error the tool reports; only the CLI turns them into exit codes.

export type ErrorKind =
  | 'inventory'
  | 'lockfile'
  | 'validation'
  | 'connect'
  | 'hostkey'
  | 'fact'
  | 'module'
  | 'remote'
  | 'interrupted'
  | 'usage';

/** `message` is what gets printed (`host: detail`); code that already names the host reads `detail`. */
export class ToolError extends Error {
  readonly kind: ErrorKind;
  readonly host?: string;
  /** The message without the host's name in front. */
  readonly detail: string;
  constructor(kind: ErrorKind, detail: string, opts: { host?: string; cause?: unknown } = {}) {
    super(opts.host ? `${opts.host}: ${detail}` : detail, { cause: opts.cause });
    this.name = 'ToolError';
    this.kind = kind;
    this.host = opts.host;
    this.detail = detail;
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What an error says about `host`, for a line or field that names the host already. */
export function detailOf(err: unknown, host: string): string {
  return err instanceof ToolError && err.host === host ? err.detail : messageOf(err);
}

/** One problem in an input file: `file: path: message`. */
export interface Problem {
  file: string;
  /** Key path such as `clusters[1].endpoints[0]`; empty for the whole file. */
  path: string;
  message: string;
  /** 1-based line/column in the file when known. */
  line?: number;
  column?: number;
}

export function formatProblem(p: Problem): string {
  const where = p.line ? `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** Bad input: carries every problem found, reported all at once (exit code 2). */
export class InputError extends ToolError {
  readonly problems: Problem[];
  constructor(kind: 'inventory' | 'lockfile' | 'validation' | 'usage', problems: Problem[]) {
    super(kind, problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** A command-line mistake (exit 2): `where` is the command or option it is about. */
export function usageError(where: string, message: string): InputError {
  return new InputError('usage', [{ file: where, path: '', message }]);
}

/** A remote command that failed: names the host, the action, the exit code and stderr. */
export class RemoteError extends ToolError {
  readonly command: string;
  readonly code: number | null;
  readonly stderr: string;
  constructor(host: string, action: string, command: string, code: number | null, stderr: string) {
    const detail = stderr.trim().split('\n').slice(-5).join('\n') || `exit code ${code}`;
    super('remote', `unable to ${action}: ${detail}`, { host });
    this.name = 'RemoteError';
    this.command = command;
    this.code = code;
    this.stderr = stderr;
  }
}
