// The task model: modules plan, the runner executes. A module never runs anything itself: it reads
// facts and returns the steps that would change the host; no steps means the host is already there.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/types.ts';
import type { FactSpec, Facts } from '../facts/types.ts';

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
  | { kind: 'lazy'; action: string; resolve(): Promise<Step[]> };

export interface Plan {
  steps: Step[];
  diff?: Diff[];
  /** What the task did or would do, in a few words ("install 1.35.0", "3 files"). */
  message?: string;
  /** A check that failed without anything to run (e.g. unsupported arch). */
  fail?: string;
  /** Nothing to run, on purpose, and why (e.g. a path the tool did not create): the task is skipped. */
  skip?: string;
  /** Run these steps even in check mode: they only read (probes, waits). */
  readOnly?: boolean;
  /** Handlers to notify when this plan changes something, on top of the task's own. */
  notify?: string[];
}

export interface TaskContext {
  inv: Inventory;
  host: HostSpec;
  facts: Facts;
  check: boolean;
  diff: boolean;
  /** Tasks that changed so far on this host, by name (handlers, `when`). */
  changed: ReadonlySet<string>;
  /** Values earlier tasks left for later ones on this host (e.g. the arch). */
  vars: Map<string, unknown>;
}

export interface Module {
  /** Facts this module reads; gathered for all tasks of the play in one round trip. */
  facts(opts: { diff: boolean }): FactSpec<unknown>[];
  plan(ctx: TaskContext): Plan | Promise<Plan>;
  /** After the steps ran: extra verification that reads the host (e.g. wait until active). */
  after?(ctx: TaskContext, transport: Transport): Promise<void>;
}

export interface Task {
  name: string;
  module: Module;
  notify?: string[];
  /** Skip unless true; a string is the reason shown when skipped. */
  when?: (ctx: TaskContext) => true | string;
  /** Re-gather this task's facts before planning (they may have changed earlier in the run). */
  refreshFacts?: boolean;
}

export interface HostHandlerContext {
  inv: Inventory;
  host: HostSpec;
  transport: Transport;
  check: boolean;
}

export interface FleetHandlerContext {
  inv: Inventory;
  hosts: HostSpec[];
  /** Per host, the tasks that changed in this run (a fresh start needs no restart). */
  changed: Map<string, ReadonlySet<string>>;
  transports: Map<string, Transport>;
  check: boolean;
  emit: (e: RunEvent) => void;
  /** Aborted on Ctrl-C: finish the host in hand, start no other. */
  signal?: AbortSignal;
}

export type Handler =
  | { name: string; scope: 'host'; run(ctx: HostHandlerContext): Promise<string | void> }
  | { name: string; scope: 'fleet'; run(ctx: FleetHandlerContext): Promise<Map<string, HandlerOutcome>> };

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
  /** Handlers this result notified (changed tasks only). */
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
  | { kind: 'note'; host?: string; message: string };

export interface RunOptions {
  check: boolean;
  diff: boolean;
  forks: number;
  /** Stop scheduling hosts once more than this percent have failed. */
  maxFailPercent: number;
  signal?: AbortSignal;
  /** Hold each host's run lock while changing it (the CLI does; unit tests with fakes do not). */
  lock?: boolean;
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
