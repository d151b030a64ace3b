// Builds the lean edge package: ysh-edge as one ESM file with every pure-JS dependency inside,
// plus a package.json whose only dependency is modbus-serial (its serialport stays optional).
//   node edge-agent/scripts/bundle.mjs [outDir]   (default edge-agent/dist/package)
// `npm pack` in outDir gives the tarball a site gateway installs with `npm install -g`.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CLOUD_PACKAGES } from './cloud-packages.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = resolve(here, '..');
const outDir = resolve(process.argv[2] ?? join(pkgDir, 'dist', 'package'));
const EXTERNAL = ['modbus-serial', 'serialport', ...CLOUD_PACKAGES];

const edgePkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8'));
const lock = JSON.parse(await readFile(join(pkgDir, '..', 'package-lock.json'), 'utf8'));
const installed = (name) => lock.packages[`node_modules/${name}`]?.version;

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const result = await build({
  entryPoints: [join(pkgDir, 'src', 'ysh-edge.ts')],
  outfile: join(outDir, 'ysh-edge.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  format: 'esm',
  external: EXTERNAL,
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies inside an ES module still call require() for Node built-ins.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __yshCreateRequire } from 'node:module';\nconst require = __yshCreateRequire(import.meta.url);",
  },
});
const inputs = Object.keys(result.metafile.inputs);
const cloud = inputs.filter((p) => CLOUD_PACKAGES.some((c) => p.includes(`node_modules/${c}/`)));
if (cloud.length > 0) throw new Error(`the edge bundle pulled in cloud-side code: ${cloud.slice(0, 5).join(', ')}`);
const imported = new Set(
  Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)),
);
for (const p of imported) {
  if (CLOUD_PACKAGES.some((c) => p === c || p.startsWith(`${c}/`)))
    throw new Error(`the edge bundle imports the cloud-side package ${p}`);
}

await writeFile(
  join(outDir, 'package.json'),
  `${JSON.stringify(
    {
      name: '@ysh/edge',
      version: edgePkg.version,
      description:
        'YSH Telemetry edge agent for site gateways: ysh-edge (Modbus TCP/RTU, MQTT → durable buffer → gateway)',
      license: 'Apache-2.0',
      type: 'module',
      bin: { 'ysh-edge': 'ysh-edge.mjs' },
      files: ['ysh-edge.mjs', 'ysh-edge.mjs.LEGAL.txt', 'README.md'],
      engines: { node: '>=20.19.0' },
      dependencies: { 'modbus-serial': installed('modbus-serial') },
    },
    null,
    2,
  )}\n`,
);
await copyFile(join(pkgDir, 'README.md'), join(outDir, 'README.md'));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(
  `${JSON.stringify({ outDir, bundleBytes: bytes, inputs: inputs.length, external: [...imported] })}\n`,
);
