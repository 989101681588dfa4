// The task model: modules plan, the runner executes. A module never runs anything itself: it reads
// facts and returns the steps that would change the host; no steps means the host is already there.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { FactSpec, Facts } from '../facts/types.ts';
import type { Connections } from './connections.ts';
import type { Serial } from './batches.ts';
import type { Transport } from '../ssh/index.ts';

export type Status = 'ok' | 'changed' | 'failed' | 'skipped';

export interface Diff {
  path: string;
  before: string | null; // null: absent
  after: string | null; // null: removed
}

/** One remote action. `action` reads as "unable to <action>" when it fails. */
export type Step =
  | {
      kind: 'exec';
      action: string;
      command: string[] | string;
      stdin?: string | Buffer;
      timeoutMs?: number;
      /** false: run as the login user even when the host uses become (e.g. to prepare an upload). */
      become?: boolean;
    }
  | {
      kind: 'put';
      action: string;
      source: Buffer | { localPath: string };
      path: string;
      mode?: number;
    }
  /** Steps known only at execution time (e.g. after a control-side download); never run in check mode. */
  | { kind: 'lazy'; action: string; resolve(): Promise<Step[]> }
  /** `steps`, or when one of them fails (not on Ctrl-C), what `otherwise` says given why. */
  | { kind: 'fallback'; action: string; steps: Step[]; otherwise(why: string): Step[] }
  /** Runs nothing: `message` is said in the task's message (e.g. where a release came from). */
  | { kind: 'note'; action: string; message: string };

/**
 * What a module decided, as data. The runner alone decides what runs: a `change` runs its steps
 * (check mode only reports it), a `probe` only reads the host and is skipped in check mode (what it
 * would wait for has not happened), `ok`, `skip` and `fail` run nothing.
 */
export type Plan =
  | { kind: 'ok'; message?: string }
  /** Nothing to run, on purpose, and why (e.g. a path the tool did not create): reported as skipped. */
  | { kind: 'skip'; reason: string }
  | { kind: 'change'; steps: Step[]; message?: string; diff?: Diff[]; notify?: Handler[] }
  | { kind: 'probe'; steps: Step[]; message: string }
  | { kind: 'fail'; reason: string };

export const ok = (message?: string): Plan => ({ kind: 'ok', message });
export const fail = (reason: string): Plan => ({ kind: 'fail', reason });
export const skip = (reason: string): Plan => ({ kind: 'skip', reason });
export const probe = (steps: Step[], message: string): Plan => ({ kind: 'probe', steps, message });
export const change = (steps: Step[], o: { message?: string; diff?: Diff[]; notify?: Handler[] } = {}): Plan => ({
  kind: 'change',
  steps,
  ...o,
});

/**
 * A task's identity. Tasks are built per host, so links between them (a handler asking whether the
 * service was started in this run, a module reloading systemd after the unit file task) go through
 * a key object: renaming a title never changes behaviour.
 */
export interface TaskKey {
  readonly title: string;
}

export const taskKey = (title: string): TaskKey => Object.freeze({ title });

export interface TaskContext {
  inv: Inventory;
  host: HostSpec;
  facts: Facts;
  check: boolean;
  diff: boolean;
  /** Tasks that changed so far on this host. */
  changed: ReadonlySet<TaskKey>;
}

export interface Module {
  /** Facts this module reads; gathered for all tasks of the play in one round trip. */
  facts(opts: { diff: boolean }): FactSpec<unknown>[];
  plan(ctx: TaskContext): Plan | Promise<Plan>;
}

export interface TaskOptions {
  /** Handlers notified when this task changes something. */
  notify?: Handler[];
  /**
   * Lays down something nothing running reads yet (an account, a directory, a release beside the
   * current one). A play runs every role's prepare tasks, in role order, before any role's other
   * tasks, so they overlap a background task (a release on its way) instead of waiting for it.
   */
  prepare?: boolean;
  /**
   * Runs beside the tasks after it (Ansible's `async` with `poll: 0`): a long transfer that the
   * tasks after it do not need. A task naming it in `after` waits for it, and so does the end of
   * the host's tasks; its failure fails the host there. Check mode runs it in line.
   */
  background?: boolean;
  /** Background tasks this one needs finished (and not failed) before it is planned. */
  after?: TaskKey[];
}

export interface Task extends TaskOptions {
  key: TaskKey;
  module: Module;
}

/** `task('systemd unit', file(...))`, or with a shared key that handlers and other tasks test. */
export function task(title: string | TaskKey, module: Module, o: TaskOptions = {}): Task {
  return { key: typeof title === 'string' ? taskKey(title) : title, module, ...o };
}

export interface FleetHandlerContext {
  inv: Inventory;
  hosts: HostSpec[];
  /** Per host, the tasks that changed in this run (a fresh start needs no restart). */
  changed: Map<string, ReadonlySet<TaskKey>>;
  /** The run's connections: every host here is connected already. */
  conns: Connections;
  emit: (e: RunEvent) => void;
  /** Aborted on Ctrl-C: finish the host in hand, start no other. */
  signal?: AbortSignal;
  /** `hosts` are one gated batch: rolling.serial formed it already, so they go together. */
  batched?: boolean;
}

/** Runs once per run, at the end, over every host that notified it (rolling restarts). */
export interface Handler {
  name: string;
  /** Added to a host's changed tasks when the handler changed it (a gate's rollback reads it). */
  key?: TaskKey;
  run(ctx: FleetHandlerContext): Promise<Map<string, HandlerOutcome>>;
}

/** Per host: what a fleet handler did (a message means changed), or the error that stopped it. */
export type HandlerOutcome = string | Error | { status: 'ok' | 'skipped'; message: string };

export interface Role {
  name: string;
  /** Built per host: tasks are plain data for that host. */
  tasks(inv: Inventory, host: HostSpec): Task[];
  handlers?: Handler[];
}

export interface TaskResult {
  host: string;
  /** Names of the handlers this result notified (changed tasks only), for the report. */
  notified?: string[];
  role: string;
  task: string;
  status: Status;
  message?: string;
  diff?: Diff[];
  error?: string;
  ms: number;
}

export type RunEvent =
  | { kind: 'host-start'; host: string }
  | { kind: 'task'; result: TaskResult }
  | { kind: 'task-start'; host: string; role: string; task: string }
  | { kind: 'host-done'; host: string; failed: boolean; unreachable: boolean }
  | { kind: 'note'; host?: string; message: string }
  /** A gated run's batches, in the order they will run, before the first starts. */
  | { kind: 'batches'; hosts: string[][] };

/**
 * How a deploy rolls out: hosts with changes go `serial` at a time, each checked after its tasks
 * and handlers; a host that fails gets its previous state back (src/ops/deploy-gate.ts).
 */
export interface Gate {
  serial: Serial;
  /** The host served nothing before the run (from its facts): it takes nothing away, no one-by-one turn. */
  fresh?(ctx: TaskContext): boolean;
  check(t: Transport, host: HostSpec, changed: ReadonlySet<TaskKey>): Promise<{ ok: boolean; reason: string }>;
  /** The new state stays: drop what a rollback would have needed. */
  commit(t: Transport, host: HostSpec, changed: ReadonlySet<TaskKey>): Promise<void>;
  /** Put back what this run changed, re-check the host, and say what was restored (`conns`: its peers, for a VIP hand-off). */
  rollback(t: Transport, host: HostSpec, changed: ReadonlySet<TaskKey>, conns?: Connections): Promise<string>;
}

/**
 * Lives for the length of a run (the seeds' release servers): it sees the run's events and is
 * closed at its end, also on a failure or Ctrl-C, before the connections are.
 */
export interface RunService {
  attach(conns: Connections, emit: (e: RunEvent) => void): void;
  event(e: RunEvent): void;
  close(): Promise<void>;
}

export interface RunOptions {
  check: boolean;
  diff: boolean;
  forks: number;
  /** Stop scheduling hosts once more than this percent have failed. */
  maxFailPercent: number;
  signal?: AbortSignal;
  /** Hold each host's run lock while changing it (the CLI does; unit tests with fakes do not). */
  lock?: boolean;
  /** Gated batches (deploy); ignored in check mode. */
  gate?: Gate;
}

export interface HostRecap {
  host: string;
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: boolean;
  error?: string;
  roundTrips: number;
  bytesSent: number;
  ms: number;
}

export interface RunResult {
  results: TaskResult[];
  recap: HostRecap[];
  aborted: boolean;
}
