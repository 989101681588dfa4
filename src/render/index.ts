// Rendering: inventory in, files out. Pure: no I/O, no clock, no randomness; the same input
// gives byte-identical output.

export type { EnvoyResources, RenderOptions, RenderedFile } from './types.ts';
export { renderConfigFiles, renderResources, CONFIG_FILE_MODE } from './config-files.ts';
export { renderUnit, sandboxFor, UNIT_NAME, UNIT_FILE_MODE, SANDBOX_MARKER, FULL_ONLY } from './unit.ts';
export type { Sandbox } from './unit.ts';
export { managedFiles, UNIT_PATH } from './managed.ts';
export { renderLogrotate, logFiles, adminLogPath, LOGROTATE_PATH, LOGROTATE_MODE } from './logrotate.ts';
export type { ManagedFile } from './managed.ts';
export { adminUrl } from './address.ts';
export { toYaml } from './yaml.ts';
export type { Origin } from './yaml.ts';
export { edsFileName } from './cluster.ts';
export { listenerName } from './listener.ts';
export { TCP_LOG_FORMAT } from './access-log.ts';
export { metricsAddress, PROMETHEUS_PATH } from './metrics.ts';
export { subscriptionOf } from './xds-version.ts';
