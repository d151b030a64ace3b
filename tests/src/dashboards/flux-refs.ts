import { createRequire } from 'node:module';

// The Flux parser and semantic checker of InfluxData's language server, compiled to WebAssembly.
const flux = createRequire(import.meta.url)('@influxdata/flux-lsp-node') as {
  parse(script: string): FluxNode;
  is_valid_flux(script: string): boolean;
};

interface FluxNode {
  type?: string;
  [key: string]: unknown;
}

/** What a Flux query reads: measurements, fields (names and regexes) and other columns. */
export interface FluxRefs {
  measurements: string[];
  fields: string[];
  fieldRegexes: string[];
  /** `r.<name>` references and `columns:` / `tag:` arguments, built-in `_` columns left out. */
  columns: string[];
  /** Names the query itself creates (record keys of map/reduce), allowed as columns after. */
  defined: string[];
  /** Syntax errors the parser reported. */
  errors: string[];
}

const isMember = (n: unknown, prop?: string): n is FluxNode => {
  const m = n as FluxNode | undefined;
  if (m?.type !== 'MemberExpression') return false;
  const obj = m.object as FluxNode;
  const p = m.property as FluxNode;
  return obj?.type === 'Identifier' && obj.name === 'r' && (prop === undefined || p?.name === prop);
};

function walk(node: unknown, visit: (n: FluxNode, parentKey: string) => void, parentKey = ''): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit, parentKey);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  visit(node as FluxNode, parentKey);
  for (const [k, v] of Object.entries(node)) if (k !== 'location') walk(v, visit, k);
}

/** Parses a Flux script and lists what it refers to. */
export function fluxRefs(script: string): FluxRefs {
  const out: FluxRefs = { measurements: [], fields: [], fieldRegexes: [], columns: [], defined: [], errors: [] };
  walk(flux.parse(script), (n, parentKey) => {
    if (Array.isArray(n.errors)) for (const e of n.errors as Array<{ msg: string }>) out.errors.push(e.msg);
    if (n.type === 'BinaryExpression') {
      const left = n.left as FluxNode;
      const right = n.right as FluxNode;
      if (isMember(left, '_measurement') && right.type === 'StringLiteral')
        out.measurements.push(right.value as string);
      if (isMember(left, '_field') && right.type === 'StringLiteral') out.fields.push(right.value as string);
      if (isMember(left, '_field') && right.type === 'RegexpLiteral') out.fieldRegexes.push(right.value as string);
    }
    if (isMember(n)) {
      const name = (n.property as FluxNode).name as string;
      if (!name.startsWith('_')) out.columns.push(name);
    }
    if (n.type === 'Property') {
      const key = (n.key as FluxNode)?.name as string | undefined;
      const value = n.value as FluxNode | null;
      if ((key === 'columns' || key === 'rowKey' || key === 'columnKey') && value?.type === 'ArrayExpression') {
        for (const e of value.elements as FluxNode[]) {
          if (e.type === 'StringLiteral' && !(e.value as string).startsWith('_')) out.columns.push(e.value as string);
        }
      }
      if (key === 'tag' && value?.type === 'StringLiteral') out.columns.push(value.value as string);
    }
    // Records a query builds (reduce's identity, map's result) define new columns; a call's own
    // arguments are records too, but name parameters, not columns.
    if (n.type === 'ObjectExpression' && parentKey !== 'arguments') {
      for (const p of n.properties as FluxNode[]) {
        const key = (p.key as FluxNode)?.name as string | undefined;
        if (key && !key.startsWith('_')) out.defined.push(key);
      }
    }
  });
  return out;
}

/** Grafana's variables as Flux sees them after interpolation: `v` record and template values. */
export function interpolate(script: string, values: Record<string, string>): string {
  let s = script;
  for (const [k, v] of Object.entries(values)) s = s.replaceAll(`\${${k}}`, v);
  const lines = s.split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const rest = lines.filter((l) => !l.startsWith('import '));
  return [...imports, 'v = {timeRangeStart: -1h, timeRangeStop: now(), windowPeriod: 1m}', ...rest].join('\n');
}

/** Parses and type-checks (builtins and their signatures) a whole Flux script. */
export function isValidFlux(script: string): boolean {
  return flux.is_valid_flux(script);
}
