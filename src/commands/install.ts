// install: binary, config and unit in place and enabled, not started.
import { installPlaybook } from '../../roles/index.ts';
import { converge } from './deploy.ts';

export const install = converge({
  name: 'install',
  summary: 'binary, config and unit in place and enabled, not started',
  playbook: installPlaybook,
  check: false,
});
