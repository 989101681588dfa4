// stop: the service stopped on every selected host (ok where it already is), each awaited until
// inactive. No draining: clients are cut off (rolling-restart keeps the fleet serving).
import { control } from './start.ts';

export const stop = control(
  'stop',
  'stop envoy-k8s-proxy on every selected host (in parallel) and wait until it is inactive',
);
