// Every CLI command, in the order `--help` lists them. Each is one description (src/cli/spec.ts).
import type { CommandSpec } from '../cli/spec.ts';
import { init } from './init.ts';
import { validate } from './validate.ts';
import { render } from './render.ts';
import { deploy } from './deploy.ts';
import { plan } from './plan.ts';
import { install } from './install.ts';
import { download } from './download.ts';
import { uninstall } from './uninstall.ts';
import { rollback } from './rollback.ts';
import { doctor } from './doctor.ts';
import { admin } from './admin.ts';
import { run } from './run.ts';
import { status } from './status.ts';
import { logs } from './logs.ts';
import { start } from './start.ts';
import { stop } from './stop.ts';
import { restart } from './restart.ts';
import { rollingRestart } from './rolling-restart.ts';
import { completion } from './completion.ts';

export const commands: readonly CommandSpec[] = [
  init,
  validate,
  render,
  deploy,
  plan,
  install,
  download,
  uninstall,
  rollback,
  doctor,
  admin,
  run,
  status,
  logs,
  start,
  stop,
  restart,
  rollingRestart,
  completion,
];
