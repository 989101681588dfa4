// Strict validation of Envoy config documents against Envoy's own API protos.
export { loadProtos, PROTO_FILES } from './protos.ts';
export type { ProtoField, ProtoMessage, ProtoRegistry } from './protos.ts';
export { validateMessage } from './strict.ts';
export type { ValidateContext } from './strict.ts';
export { validateDocument, BOOTSTRAP_TYPE, RESOURCE_TYPES, typeUrl } from './documents.ts';
export type { DocumentKind, DocumentOptions } from './documents.ts';
export { validateTree, configSourcePath } from './cross.ts';
export type { TreeFile, TreeOptions } from './cross.ts';
export { kindOfFile } from './tree.ts';
export { findEnvoyOnPath, runEnvoyValidate, ENVOY_VALIDATE_TIMEOUT_MS } from './envoy-binary.ts';
export type { EnvoyValidateResult } from './envoy-binary.ts';
export { assertRenderValid, checkRendered, renderProblems } from './rendered.ts';
