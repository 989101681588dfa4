// Pins the public surface of src/validate: a change here is a change for every caller.
import { expect, it } from 'vitest';
import * as api from '../../../src/validate/index.ts';

it('exports exactly the validate API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'BOOTSTRAP_TYPE',
    'ENVOY_VALIDATE_TIMEOUT_MS',
    'PROTO_FILES',
    'RESOURCE_TYPES',
    'assertRenderValid',
    'checkRendered',
    'configSourcePath',
    'findEnvoyOnPath',
    'kindOfFile',
    'loadProtos',
    'renderProblems',
    'runEnvoyValidate',
    'typeUrl',
    'validateDocument',
    'validateMessage',
    'validateTree',
  ]);
});

it('loads the protos once per process', () => {
  expect(api.loadProtos()).toBe(api.loadProtos());
  for (const t of [
    api.BOOTSTRAP_TYPE,
    ...Object.values(api.RESOURCE_TYPES),
    'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
    'envoy.extensions.access_loggers.file.v3.FileAccessLog',
    'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  ]) {
    expect(api.loadProtos().message(t)?.fullName).toBe(t);
  }
});
