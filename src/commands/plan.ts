// plan: check mode, what deploy would change with diffs, and in which gated batches; nothing on any
// host changes.
import { deployPlaybook } from '../../roles/index.ts';
import { converge } from './deploy.ts';

export const plan = converge({
  name: 'plan',
  summary: 'check mode: what deploy would change, with diffs; nothing on any host changes',
  playbook: deployPlaybook,
  check: true,
  gated: true,
});
