// What rendering hands to the roles: files to write into the config dir, and the raw documents
// (for the strict validator and for tests).

export interface RenderedFile {
  /** Relative to the config dir (or /etc/systemd/system for the unit), e.g. `lds.yaml`. */
  name: string;
  content: string;
  mode: number;
  /** xDS files: the version_info Envoy reports once it has loaded this content. */
  version?: string;
}

export interface EnvoyResources {
  bootstrap: Record<string, unknown>;
  lds: Record<string, unknown>;
  cds: Record<string, unknown>;
  /** Keyed by cluster name; written as eds_<name>.yaml. */
  eds: Record<string, Record<string, unknown>>;
}

export interface RenderOptions {
  /** Where the xDS files will live on the host; default inv.paths.configDir. */
  configDir?: string;
}
