import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { MODEL_DEFS } from './model-def.ts';

const dir = new URL('./models/', import.meta.url);
const read = (name: string): unknown => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));

describe('bundled SunSpec model definitions', () => {
  const files = readdirSync(dir).filter((f) => /^model_\d+\.json$/.test(f));

  it('are the official files, valid against the official schema.json', () => {
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(read('schema.json') as object);
    for (const f of files) expect(validate(read(f)), `${f}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  });

  it('bundles every copied file, with id and file name agreeing', () => {
    expect(files.map((f) => Number(f.slice(6, -5))).sort((a, b) => a - b)).toEqual(
      [...MODEL_DEFS.keys()].sort((a, b) => a - b),
    );
    for (const [id, def] of MODEL_DEFS) expect(def.id).toBe(id);
    for (const id of [1, 101, 103, 120, 121, 122, 160]) expect(MODEL_DEFS.has(id)).toBe(true);
  });

  it('ships the licence the files came with', () => {
    expect(readFileSync(new URL('LICENSE', dir), 'utf8')).toMatch(/Apache License/);
  });
});
