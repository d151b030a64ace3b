import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FLAVOURS, GRAFANA_DASHBOARDS_DIR, GRAFANA_DIR, PACKAGE_DIR, renderAll } from './index.ts';

interface Target {
  refId?: string;
  expr?: string;
  query?: string;
  datasource?: { type: string; uid: string };
}
interface PanelJson {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  fieldConfig?: { defaults?: { unit?: string } };
}
interface DashboardJson {
  uid: string;
  title: string;
  panels: PanelJson[];
  templating?: { list?: Array<{ name: string; datasource: { uid: string }; query: string | { query: string } }> };
  annotations?: { list?: Array<{ datasource: { uid: string }; expr?: string; target?: Target }> };
}

const root = join(PACKAGE_DIR, GRAFANA_DIR);
const committed = (flavour: string): Array<{ file: string; board: DashboardJson }> =>
  readdirSync(join(root, 'dashboards', flavour))
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, board: JSON.parse(readFileSync(join(root, 'dashboards', flavour, file), 'utf8')) }));
const allBoards = FLAVOURS.flatMap((f) => committed(f).map((c) => ({ flavour: f, ...c })));
const datasources = (
  parse(readFileSync(join(root, 'provisioning/datasources/ysh.yaml'), 'utf8')) as {
    datasources: Array<{ uid: string; type: string; url: string }>;
  }
).datasources;

describe('generated files', () => {
  it('the committed JSON and provisioning are what `npm run dashboards` generates (run it after editing src/)', () => {
    const expected = renderAll();
    for (const [path, content] of expected) {
      expect(readFileSync(join(PACKAGE_DIR, path), 'utf8'), `${path} is out of date: npm run dashboards`).toBe(content);
    }
    // No stale dashboard left behind by a rename.
    const onDisk = allBoards.map((b) => `${GRAFANA_DIR}/dashboards/${b.flavour}/${b.file}`).sort();
    expect(onDisk).toEqual([...expected.keys()].filter((p) => p.endsWith('.json')).sort());
  });
});

describe('dashboard JSON', () => {
  it('has five dashboards: four in both flavours, platform health in the Prometheus one', () => {
    expect(committed('influxdb').length).toBe(4);
    expect(committed('prometheus').length).toBe(5);
  });

  it('uids are unique across every dashboard of both flavours, and the file is named after the uid', () => {
    const uids = allBoards.map((b) => b.board.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const b of allBoards) expect(b.file).toBe(`${b.board.uid}.json`);
  });

  it('every datasource a dashboard names (panels, targets, variables, annotations) is provisioned with that uid and type', () => {
    const byUid = new Map(datasources.map((d) => [d.uid, d]));
    for (const { flavour, board } of allBoards) {
      const refs = [
        ...board.panels.flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]),
        ...(board.templating?.list ?? []).map((v) => v.datasource),
        ...(board.annotations?.list ?? []).map((a) => a.datasource),
      ];
      for (const ref of refs) {
        expect(ref, `${board.uid}: a panel or target without a datasource`).toBeDefined();
        const ds = byUid.get((ref as { uid: string }).uid);
        expect(ds, `${board.uid}: datasource ${ref?.uid} is not provisioned`).toBeDefined();
        expect(ds?.type).toBe(flavour);
      }
    }
  });

  it('every panel has at least one non-empty query and a unit', () => {
    for (const { board } of allBoards) {
      expect(board.panels.length).toBeGreaterThan(0);
      for (const p of board.panels) {
        const where = `${board.uid} / ${p.title}`;
        expect(p.targets?.length, where).toBeGreaterThan(0);
        for (const t of p.targets ?? []) expect((t.expr ?? t.query ?? '').trim(), where).not.toBe('');
        expect(p.fieldConfig?.defaults?.unit, where).toMatch(/\S/);
      }
      const ids = board.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('the dashboard providers point at one folder per flavour, where docker-compose mounts the JSON', () => {
    const providers = (
      parse(readFileSync(join(root, 'provisioning/dashboards/ysh.yaml'), 'utf8')) as {
        providers: Array<{ type: string; options: { path: string } }>;
      }
    ).providers;
    expect(providers.map((p) => p.options.path).sort()).toEqual(
      FLAVOURS.map((f) => `${GRAFANA_DASHBOARDS_DIR}/${f}`).sort(),
    );
    expect(providers.every((p) => p.type === 'file')).toBe(true);
  });
});
