// From a case's `args` (plain YAML) to the module under test. What is a function or an object in
// TypeScript is named in YAML: task keys and handlers by name (one object per name, shared with
// the case's `changed`), release's checksums and sources as per-arch maps, fileSet's validate
// command as a template. Every schema is strict: a misspelt argument fails the case.
import { z } from 'zod';
import { ToolError } from '../../../src/errors.ts';
import type { Arch } from '../../../src/inventory/types.ts';
import { command } from '../../../src/modules/command.ts';
import { directory } from '../../../src/modules/directory.ts';
import { fileSet } from '../../../src/modules/file-set.ts';
import { loadedCheck } from '../../../src/modules/xds-loaded.ts';
import { file } from '../../../src/modules/file.ts';
import { forgetRemoved, ifOwnsUnit, recordOwnership, removeOwned } from '../../../src/modules/ownership.ts';
import { keepalivedConfig } from '../../../src/modules/keepalived-config.ts';
import { vipMetric } from '../../../src/modules/vip-metric.ts';
import { releaseSwitch } from '../../../src/modules/release-switch.ts';
import { release } from '../../../src/modules/release.ts';
import { restartPending } from '../../../src/modules/restart-pending.ts';
import { service } from '../../../src/modules/systemd.ts';
import { systemUser } from '../../../src/modules/system-user.ts';
import { waitReady } from '../../../src/modules/wait-ready.ts';
import { waitStopped } from '../../../src/modules/wait-stopped.ts';
import { expectedSha } from '../../../src/release/pins.ts';
import type { Handler, Module, TaskKey } from '../../../src/runner/types.ts';
import { PATH_ROLES } from '../../../src/ownership/manifest.ts';
import { quote } from '../../../src/ssh/quote.ts';
import { inventory, prodInventory, vipSpec } from '../render/fixtures.ts';

/** Names → the one object of that name for this case. */
export interface Refs {
  key(name: string): TaskKey;
  handler(name: string): Handler;
}

type Adapter = (args: unknown, refs: Refs) => Module;

const argv = z.union([z.string(), z.array(z.string()).min(1)]);
const mode = z.number().int().min(0).max(0o7777);
const perArch = z.strictObject({ x86_64: z.string().optional(), aarch_64: z.string().optional() });
const setFiles = z.array(z.strictObject({ name: z.string(), content: z.string() }));

/** A per-arch value, or the error a missing one raises in the real caller. */
/** lb1 of a three-host fleet with a VIP: what the keepalived and VIP metric modules run against. */
function vipFleet() {
  const base = prodInventory();
  const lb1 = base.hosts[0]!;
  const inv = inventory({
    clusters: base.clusters,
    hosts: [lb1, { ...lb1, name: 'lb2', address: '192.168.1.12' }, { ...lb1, name: 'lb3', address: '192.168.1.13' }],
  });
  const vip = vipSpec('192.168.1.100');
  inv.vip = vip;
  return { inv, lb1, vip };
}

function byArch(map: Partial<Record<Arch, string>>, what: string) {
  return (arch: Arch): string => {
    const v = map[arch];
    if (v === undefined) throw new ToolError('module', `the case gives no ${what} for ${arch}`);
    return v;
  };
}

export const adapters: Record<string, Adapter> = {
  command: (args) =>
    command(
      z
        .strictObject({
          command: argv,
          action: z.string(),
          creates: z.string().optional(),
          unless: z.string().optional(),
        })
        .parse(args),
    ),

  directory: (args) =>
    directory(
      z
        .strictObject({
          path: z.string(),
          mode: mode.optional(),
          owner: z.string().optional(),
          group: z.string().optional(),
        })
        .parse(args),
    ),

  file: (args) => {
    const a = z
      .strictObject({
        path: z.string(),
        content: z.string().optional(),
        content_base64: z.string().optional(),
        mode,
        owner: z.string().optional(),
        group: z.string().optional(),
      })
      .refine(
        (x) => (x.content === undefined) !== (x.content_base64 === undefined),
        'exactly one of content, content_base64',
      )
      .parse(args);
    const { content, content_base64, ...rest } = a;
    return file({ ...rest, content: content ?? Buffer.from(content_base64 ?? '', 'base64') });
  },

  'file-set': (args, refs) => {
    const a = z
      .strictObject({
        dir: z.string(),
        files: setFiles,
        owner: z.string(),
        group: z.string(),
        mode,
        prune: z.strictObject({ prefix: z.string(), suffix: z.string() }).optional(),
        // `{bootstrap}` in the command stands for the staged bootstrap's path, quoted
        validate: z.strictObject({ stageDir: z.string(), files: setFiles, command: z.string() }).optional(),
        notify: z.record(z.string(), z.string()).optional(),
        // the xDS files Envoy must report loaded (src/modules/xds-loaded.ts), of those that changed
        loaded: z
          .strictObject({
            statsUrl: z.string(),
            files: z.array(z.strictObject({ file: z.string(), prefix: z.string(), version: z.string() })),
          })
          .optional(),
        keepPrevious: z.boolean().optional(),
      })
      .parse(args);
    const v = a.validate;
    const l = a.loaded;
    return fileSet({
      ...a,
      loaded:
        l &&
        ((changed) =>
          loadedCheck(
            l.statsUrl,
            l.files.filter((f) => changed.includes(f.file)),
          )),
      validate: v && { ...v, command: (bootstrap: string) => v.command.replaceAll('{bootstrap}', quote(bootstrap)) },
      notify: a.notify && Object.fromEntries(Object.entries(a.notify).map(([f, h]) => [f, refs.handler(h)])),
    });
  },

  // keepalived.conf for lb1 of a three-host fleet with a VIP (interface from the fact unless `interface`)
  'keepalived-config': (args) => {
    const a = z.strictObject({ healthUrl: z.string(), interface: z.string().optional() }).parse(args);
    const { inv, lb1, vip } = vipFleet();
    if (a.interface) vip.interface = a.interface;
    return keepalivedConfig(inv, lb1, a.healthUrl);
  },

  // the VIP state file for node_exporter on lb1 of the same fleet
  'vip-metric': (args) => {
    z.strictObject({}).parse(args ?? {});
    const { inv, lb1 } = vipFleet();
    return vipMetric(inv, lb1);
  },

  // the four ownership modules, over the inventory the runner gives the task (its paths decide the facts)
  ownership: (args, refs) => {
    const a = z
      .discriminatedUnion('module', [
        z.strictObject({ module: z.literal('recordOwnership') }),
        z.strictObject({
          module: z.literal('removeOwned'),
          part: z.enum([...PATH_ROLES, 'accounts']),
          purge: z.boolean(),
        }),
        // the wrapped module is another adapter's, named with its own args
        z.strictObject({
          module: z.literal('ifOwnsUnit'),
          purge: z.boolean(),
          then: z.strictObject({ module: z.string(), args: z.unknown() }),
        }),
        z.strictObject({ module: z.literal('forgetRemoved'), purge: z.boolean() }),
      ])
      .parse(args);
    const inv = prodInventory();
    switch (a.module) {
      case 'recordOwnership':
        return recordOwnership(inv);
      case 'removeOwned':
        return removeOwned(inv, a.part, a.purge);
      case 'forgetRemoved':
        return forgetRemoved(inv, a.purge);
      case 'ifOwnsUnit': {
        const inner = adapters[a.then.module];
        if (!inner || a.then.module === 'ownership')
          throw new ToolError('module', `the case wraps no known module: ${a.then.module}`);
        return ifOwnsUnit(inv, a.purge, inner(a.then.args, refs));
      }
    }
  },

  release: (args) => {
    const a = z
      .strictObject({
        installDir: z.string(),
        version: z.string(),
        // as pinned in the inventory's envoy.sha256; an arch without one fails like a real run
        sha256: perArch,
        source: z.discriminatedUnion('mode', [
          z.strictObject({ mode: z.literal('control'), local: perArch }),
          z.strictObject({ mode: z.literal('host'), url: perArch }),
        ]),
      })
      .parse(args);
    const inv = inventory({
      envoy: { version: a.version, sha256: a.sha256, fetch: a.source.mode, logLevel: 'info', insecureMirror: false },
    });
    const local = a.source.mode === 'control' ? byArch(a.source.local, 'local file') : undefined;
    return release({
      installDir: a.installDir,
      version: a.version,
      expected: (arch) => expectedSha(inv, {}, arch),
      source:
        a.source.mode === 'control'
          ? { mode: 'control', local: async (arch) => local!(arch) }
          : { mode: 'host', url: byArch(a.source.url, 'url') },
    });
  },

  // the check's command as a template: `{envoy}` and `{bootstrap}` stand for the quoted paths
  'release-switch': (args) => {
    const a = z
      .strictObject({
        installDir: z.string(),
        version: z.string(),
        allowDowngrade: z.boolean(),
        check: z
          .strictObject({
            stageDir: z.string(),
            files: setFiles,
            owner: z.string(),
            group: z.string(),
            command: z.string(),
          })
          .optional(),
      })
      .parse(args);
    const c = a.check;
    return releaseSwitch({
      ...a,
      check: c && {
        ...c,
        command: (envoy: string, bootstrap: string) =>
          c.command.replaceAll('{envoy}', quote(envoy)).replaceAll('{bootstrap}', quote(bootstrap)),
      },
    });
  },

  'restart-pending': (args, refs) => {
    const a = z
      .strictObject({
        unit: z.string(),
        paths: z.array(z.string()).min(1),
        mainPaths: z.array(z.string()).min(1).optional(),
        epochFile: z.string().optional(),
        handler: z.string(),
        unless: z.array(z.string()).optional(),
      })
      .parse(args);
    return restartPending({ ...a, handler: refs.handler(a.handler), unless: a.unless?.map(refs.key) });
  },

  systemd: (args, refs) => {
    const a = z
      .strictObject({
        unit: z.string(),
        enabled: z.boolean().optional(),
        state: z.enum(['started', 'stopped', 'restarted', 'absent']).optional(),
        reloadAfter: z.string().optional(),
        timeoutMs: z.number().int().positive().optional(),
        daemonReload: z.boolean().optional(),
      })
      .parse(args);
    return service({ ...a, reloadAfter: a.reloadAfter === undefined ? undefined : refs.key(a.reloadAfter) });
  },

  'system-user': (args) =>
    systemUser(
      z.strictObject({ name: z.string(), group: z.string().optional(), home: z.string().optional() }).parse(args),
    ),

  'wait-ready': (args, refs) => {
    const a = z
      .strictObject({
        unit: z.string(),
        readyUrl: z.string(),
        timeoutMs: z.number().int().positive(),
        after: z.string().optional(),
      })
      .parse(args);
    return waitReady({ ...a, after: a.after === undefined ? undefined : refs.key(a.after) });
  },

  'wait-stopped': (args, refs) => {
    const a = z
      .strictObject({ unit: z.string(), timeoutMs: z.number().int().positive(), after: z.string() })
      .parse(args);
    return waitStopped({ ...a, after: refs.key(a.after) });
  },
};
