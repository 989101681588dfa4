// Role ownership: first on deploy and install. Records on the host what the play will create
// (before it creates it) and fails the host, untouched, if anything it would take over exists
// without being the tool's: an account, a directory, the unit file or the logrotate rule (see
// src/ownership/).
import { task, type Role } from '../../src/runner/types.ts';
import { recordOwnership } from '../../src/modules/ownership.ts';

export const ownership: Role = {
  name: 'ownership',
  tasks: (inv) => [task('manifest', recordOwnership(inv), { prepare: true })],
};
