// Loaded versus on disk versus rendered, per xDS file: in sync when Envoy reports the disk's
// version, rejected when it does not and the subscription counted a refusal, pending otherwise;
// unknown without an answer from Envoy. Parsers against Envoy's text stats format.
import { describe, expect, it } from 'vitest';
import { diskVersionsFact, judgeLoaded, loadedProblem, parseStatsText } from '../../../src/ops/loaded.ts';
import { renderConfigFiles } from '../../../src/render/index.ts';
import { prodInventory } from '../render/fixtures.ts';

const inv = prodInventory();
const host = inv.hosts[0]!;
const rendered = new Map(renderConfigFiles(inv, host).flatMap((f) => (f.version ? [[f.name, f.version]] : [])));
const edsName = [...rendered.keys()].find((n) => n.startsWith('eds_'))!;
const edsPrefix = `cluster.${inv.clusters[0]!.name}`;

/** Stats as Envoy prints them for every subscription having loaded the rendered files. */
function stats(over: Record<string, string> = {}): Map<string, string> {
  const lines: string[] = [];
  for (const [name, v] of rendered) {
    const p =
      name === 'lds.yaml'
        ? 'listener_manager.lds'
        : name === 'cds.yaml'
          ? 'cluster_manager.cds'
          : `cluster.${inv.clusters.find((c) => name === `eds_${c.name}.yaml`)!.name}`;
    lines.push(`${p}.update_failure: 0`, `${p}.update_rejected: 0`, `${p}.version_text: "${v}"`);
  }
  const m = parseStatsText(lines.join('\n'));
  for (const [k, v] of Object.entries(over)) m.set(k, v);
  return m;
}

describe('what Envoy loaded', () => {
  it('parses text readouts and counters', () => {
    expect(parseStatsText('a.version_text: "r-1"\na.update_rejected: 2\n')).toEqual(
      new Map([
        ['a.version_text', 'r-1'],
        ['a.update_rejected', '2'],
      ]),
    );
  });

  it('is in sync when Envoy reports the version on disk', () => {
    expect(judgeLoaded(inv, host, new Map(rendered), stats()).state).toBe('in-sync');
  });

  it('says rejected for a file on disk Envoy refused, pending for one it never tried', () => {
    const disk = new Map(rendered).set(edsName, '');
    const refused = judgeLoaded(inv, host, disk, stats({ [`${edsPrefix}.update_failure`]: '1' }));
    expect(refused).toMatchObject({ state: 'rejected', rejected: [edsName], pending: [] });
    expect(loadedProblem(refused)).toMatch(
      new RegExp(`^Envoy rejected ${edsName}: it still serves the version before`),
    );
    expect(judgeLoaded(inv, host, disk, stats())).toMatchObject({ state: 'pending', pending: [edsName] });
  });

  it('is unknown when Envoy does not answer', () => {
    expect(judgeLoaded(inv, host, new Map(rendered), undefined).state).toBe('unknown');
  });

  it('reads version_info from the files on disk, `-` for a missing one', () => {
    const f = diskVersionsFact(inv, host);
    expect(f.parse(`lds.yaml r-abc\n${edsName} -\ncds.yaml \n`, 0)).toEqual(
      new Map([
        ['lds.yaml', 'r-abc'],
        [edsName, null],
        ['cds.yaml', ''],
      ]),
    );
  });
});
