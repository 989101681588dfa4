// Facts are read-only probes: a shell snippet plus a parser to a typed value. All facts a play needs
// are gathered in one round trip per host and cached for the run.
import type { BatchKind } from './batch.ts';

export interface FactSpec<T> {
  /** Unique per distinct probe: two tasks asking for the same key share one result. */
  key: string;
  /** POSIX sh snippet; its stdout (and exit code) is fed to parse. Must not change the host. */
  script: string;
  parse(stdout: string, code: number): T;
  /**
   * Run in the gathering shell itself rather than in a subshell of its own (one fork fewer per
   * fact): only for a script that never exits, changes directory, options or traps, and sources
   * nothing; its status is its last command's. Variables it sets may be seen by later scripts.
   */
  inline?: boolean;
  /** Probed with the other facts of its kind in one process (facts/batch.ts) rather than by script. */
  batch?: { kind: BatchKind; arg: string };
}

export interface Facts {
  get<T>(spec: FactSpec<T>): T;
}
