import model1 from './models/model_1.json' with { type: 'json' };
import model101 from './models/model_101.json' with { type: 'json' };
import model102 from './models/model_102.json' with { type: 'json' };
import model103 from './models/model_103.json' with { type: 'json' };
import model120 from './models/model_120.json' with { type: 'json' };
import model121 from './models/model_121.json' with { type: 'json' };
import model122 from './models/model_122.json' with { type: 'json' };
import model160 from './models/model_160.json' with { type: 'json' };

/**
 * Shapes of the SunSpec JSON model definitions (models/schema.json, copied
 * verbatim from github.com/sunspec/models). Register offsets are not stored in
 * the files: they follow from point order and `size`.
 */
export type PointType =
  | 'int16'
  | 'int32'
  | 'int64'
  | 'raw16'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'acc16'
  | 'acc32'
  | 'acc64'
  | 'bitfield16'
  | 'bitfield32'
  | 'bitfield64'
  | 'enum16'
  | 'enum32'
  | 'float32'
  | 'float64'
  | 'string'
  | 'pad'
  | 'ipaddr'
  | 'ipv6addr'
  | 'eui48'
  | 'sunssf'
  | 'count';

export interface SymbolDef {
  name: string;
  value: unknown;
}

export interface PointDef {
  name: string;
  type: PointType;
  size: number;
  /** Fixed value (e.g. the model ID). */
  value?: number | string;
  /** Scale factor: a constant or the name of a `sunssf` point. */
  sf?: number | string;
  units?: string;
  access?: 'R' | 'RW';
  mandatory?: 'M' | 'O';
  symbols?: SymbolDef[];
}

export interface GroupDef {
  name: string;
  type: 'group' | 'sync';
  /** Repetitions: an integer (0 = repeat to fill the model length) or the name of a `count` point. */
  count?: number | string;
  points?: PointDef[];
  groups?: GroupDef[];
}

export interface ModelDef {
  id: number;
  group: GroupDef;
}

/** Model definitions bundled with the codec, keyed by model id. */
export const MODEL_DEFS: ReadonlyMap<number, ModelDef> = new Map(
  [model1, model101, model102, model103, model120, model121, model122, model160].map((m) => [
    m.id,
    m as unknown as ModelDef,
  ]),
);

export const SUPPORTED_MODEL_IDS: readonly number[] = [...MODEL_DEFS.keys()];

export function getModelDef(id: number): ModelDef | undefined {
  return MODEL_DEFS.get(id);
}

/** The `SunS` marker (0x5375 0x6e53) that opens a SunSpec register map. */
export const SUNS_MARKER = [0x5375, 0x6e53] as const;
/** Model id that closes the model chain. */
export const END_MODEL_ID = 0xffff;
/** Base addresses where SunSpec devices put the `SunS` marker, in discovery order. */
export const SUNSPEC_BASE_ADDRESSES = [40000, 0, 50000] as const;
