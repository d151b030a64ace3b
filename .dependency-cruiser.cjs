/**
 * The layering of the workspace, in one place; `npm run lint` checks it with
 * dependency-cruiser and fails on any violation.
 *
 *   libraries    common            the telemetry contract, config, logging, the database and
 *                                  key-value interfaces, ServiceProvider; imports no other package
 *   stand-ins    embedded          PGlite, the Kafka-protocol broker, aedes, the in-process store;
 *                                  imports only common
 *   components   firmware-sim, edge-agent, gateway, stream-processor, batch-jobs, admin-api,
 *                dashboards        import common only, never each other and never embedded: they
 *                                  receive their connections (ServiceProvider) from the wiring layer
 *   wiring       cli               the `ysh` bin; the one place that picks real services or the
 *                                  embedded stand-ins, and loads each component's `./cli` export;
 *                                  may import every library, stand-in and component
 *   test code    test-helpers, tests, bench, any `*.test.ts`, any `src/testing/` folder; may import
 *                                  everything (embedded included); production code never imports it
 *
 * Also: no import cycles; no relative import that leaves its package folder (packages meet
 * through their declared exports, `@ysh/<name>`); and every workspace package a file imports is
 * declared in its package's package.json (dependencies for production code, dependencies or
 * devDependencies for test code) — those rules are generated below from the package.json files.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = __dirname;
const COMPONENTS = [
  'firmware-sim',
  'edge-agent',
  'gateway',
  'stream-processor',
  'batch-jobs',
  'admin-api',
  'dashboards',
];
/** Packages that are test code as a whole (bench is developer tooling built on the test helpers). */
const TEST_PACKAGES = ['test-helpers', 'tests', 'bench'];
const TEST_FILE = '(\\.test\\.ts$|/src/testing/)';
const TEST_CODE = `(^(test-helpers|tests)/|${TEST_FILE})`;
/** Production code: everything outside the test packages, test files and testing folders. */
const PRODUCTION_NOT = [`^(${TEST_PACKAGES.join('|')})/`, TEST_FILE];

const any = (names) => `^(${names.join('|')})/`;

/** Folder → package.json of every workspace package. */
const workspaces = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).workspaces;
const manifests = new Map(
  workspaces.map((folder) => [folder, JSON.parse(readFileSync(join(ROOT, folder, 'package.json'), 'utf8'))]),
);
const folderOf = new Map([...manifests].map(([folder, manifest]) => [manifest.name, folder]));

const layering = [
  {
    name: 'no-cycles',
    comment: 'an import cycle (modules that import each other, directly or through others)',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  {
    name: 'component-imports-component',
    comment:
      'a component imports another component; components share only common (and are wired by cli); test code may (it wires them as cli does)',
    severity: 'error',
    from: { path: any(COMPONENTS), pathNot: TEST_FILE },
    to: { path: any(COMPONENTS), pathNot: '^$1/' },
  },
  {
    name: 'library-imports-upward',
    comment: 'common imports another workspace package, or embedded imports one other than common',
    severity: 'error',
    from: { path: '^(common|embedded)/', pathNot: TEST_FILE },
    to: { path: any(['embedded', 'cli', ...COMPONENTS, ...TEST_PACKAGES]), pathNot: '^$1/' },
  },
  {
    name: 'component-imports-wiring',
    comment: 'production code imports the wiring layer (cli); only test code may',
    severity: 'error',
    from: { pathNot: ['^cli/', ...PRODUCTION_NOT] },
    to: { path: '^cli/' },
  },
  {
    name: 'embedded-outside-wiring',
    comment:
      'production code imports @ysh/embedded outside the wiring layer; components receive a ServiceProvider instead',
    severity: 'error',
    from: { pathNot: ['^(embedded|cli)/', ...PRODUCTION_NOT] },
    to: { path: '^embedded/' },
  },
  {
    name: 'production-imports-test-code',
    comment: 'production code imports test code (*.test.ts, src/testing/, test-helpers, tests)',
    severity: 'error',
    from: { pathNot: PRODUCTION_NOT },
    to: { path: TEST_CODE },
  },
  {
    name: 'relative-import-across-packages',
    comment: 'a relative import leaves its package folder; import the package by its name and declared export',
    severity: 'error',
    from: { path: any(workspaces) },
    to: { path: any(workspaces), pathNot: '^$1/', dependencyTypesNot: ['aliased-workspace'] },
  },
];

const declared = (manifest, field) =>
  Object.keys(manifest[field] ?? {})
    .map((name) => folderOf.get(name))
    .filter(Boolean);

/** For each package: its production code may import only what `dependencies` declares, its test code also `devDependencies`. */
const declarations = [...manifests].flatMap(([folder, manifest]) => {
  const production = [folder, ...declared(manifest, 'dependencies')];
  const test = [...production, ...declared(manifest, 'devDependencies')];
  const isTestPackage = TEST_PACKAGES.includes(folder);
  const rules = [
    {
      name: 'undeclared-workspace-import',
      comment: `${folder}: test code imports a workspace package that ${folder}/package.json does not declare`,
      severity: 'error',
      from: { path: isTestPackage ? `^${folder}/` : `^${folder}/(.*\\.test\\.ts$|src/testing/)` },
      to: { path: any(workspaces), pathNot: any(test) },
    },
  ];
  if (!isTestPackage) {
    rules.push({
      name: 'undeclared-workspace-import',
      comment: `${folder}: production code imports a workspace package that is not in the dependencies of ${folder}/package.json`,
      severity: 'error',
      from: { path: `^${folder}/`, pathNot: TEST_FILE },
      to: { path: any(workspaces), pathNot: any(production) },
    });
  }
  return rules;
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [...layering, ...declarations],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The miniature workspace of the rules' own test breaks them on purpose; that test cruises it alone.
    exclude: { path: ['(^|/)(node_modules|\\.tsbuild|\\.ysh-data|dist)/', '^tests/src/structure/fixtures/'] },
    tsPreCompilationDeps: true,
    preserveSymlinks: false,
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
      mainFields: ['module', 'main'],
      extensions: ['.ts', '.mjs', '.js', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
