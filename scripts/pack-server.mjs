#!/usr/bin/env node
// Builds the publishable `keyra` server package: `npm run pack:server [-- --out DIR]`.
//
// The monorepo's @keyra/server depends on private workspace packages (@keyra/core, storage, …)
// that are not on npm. This stages a package named `keyra` whose tarball carries them as
// bundled dependencies (node_modules/@keyra/*, compiled output only) and declares every real npm
// package they use as an ordinary dependency, so `npm install --omit=dev keyra-x.y.z.tgz` in an
// empty directory followed by `npx keyra serve` works without the repository.
//
// Layout inside the tarball mirrors the repository so that paths the server computes from
// `import.meta.url` (the console's static files, the voice model) resolve unchanged:
//   packages/server/{bin,dist}   apps/console/   node_modules/@keyra/<name>/{dist,model?}
//
// Optional (npm may skip them, and KEYRA works without them):
//   ethers + @ethereum-attestation-service/eas-sdk  on-chain stamps (loaded lazily, clear error)
//   onnxruntime-node                                 the neural voice back end (loaded lazily)
// `npm install --omit=optional` leaves all three out.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { out: { type: 'string', default: path.join(ROOT, '.pack') } },
});
const OUT = path.resolve(values.out);

/** npm packages that must stay optional: large, platform-specific or needing a network at install. */
const OPTIONAL = new Set(['ethers', '@ethereum-attestation-service/eas-sdk', 'onnxruntime-node']);

/** Extra folders a workspace package reads at run time, besides dist/. */
const EXTRA_FILES = { voice: ['model'] };

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const serverManifest = readJson(path.join(ROOT, 'packages/server/package.json'));
const rootManifest = readJson(path.join(ROOT, 'package.json'));

/** Copies compiled output only: no source maps, build info or the scripts' own build. */
function copyDist(from, to) {
  cpSync(from, to, {
    recursive: true,
    filter: (source) =>
      !source.endsWith('.map') &&
      !source.endsWith('.tsbuildinfo') &&
      path.basename(source) !== '.scripts',
  });
}

/** The workspace packages the server needs at run time, found by walking `dependencies`. */
function workspaceClosure() {
  const found = new Map();
  const visit = (deps) => {
    for (const name of Object.keys(deps ?? {})) {
      if (!name.startsWith('@keyra/') || found.has(name)) continue;
      const dir = path.join(ROOT, 'packages', name.slice('@keyra/'.length));
      const manifest = readJson(path.join(dir, 'package.json'));
      found.set(name, { dir, manifest });
      visit(manifest.dependencies);
    }
  };
  visit(serverManifest.dependencies);
  return found;
}

/** Adds `deps` to `into`, refusing two different pinned versions of one package. */
function mergeDeps(into, deps, owner) {
  for (const [name, version] of Object.entries(deps ?? {})) {
    if (name.startsWith('@keyra/')) continue;
    if (into[name] !== undefined && into[name] !== version) {
      throw new Error(`${owner} wants ${name}@${version} but another package pins ${into[name]}`);
    }
    into[name] = version;
  }
}

const workspace = workspaceClosure();
const external = {};
mergeDeps(external, serverManifest.dependencies, '@keyra/server');
mergeDeps(external, serverManifest.optionalDependencies, '@keyra/server');
for (const [name, { manifest }] of workspace) {
  mergeDeps(external, manifest.dependencies, name);
  mergeDeps(external, manifest.optionalDependencies, name);
}
const dependencies = {};
const optionalDependencies = {};
for (const name of Object.keys(external).sort()) {
  (OPTIONAL.has(name) ? optionalDependencies : dependencies)[name] = external[name];
}

for (const [name, { dir }] of workspace) {
  if (!existsSync(path.join(dir, 'dist'))) {
    throw new Error(`${name} is not built: run \`npm run build\` first`);
  }
}

const stage = mkdtempSync(path.join(os.tmpdir(), 'keyra-pack-'));
const pkg = path.join(stage, 'keyra');
try {
  mkdirSync(path.join(pkg, 'packages/server'), { recursive: true });
  cpSync(path.join(ROOT, 'packages/server/bin'), path.join(pkg, 'packages/server/bin'), {
    recursive: true,
  });
  copyDist(path.join(ROOT, 'packages/server/dist'), path.join(pkg, 'packages/server/dist'));
  cpSync(path.join(ROOT, 'apps/console'), path.join(pkg, 'apps/console'), {
    recursive: true,
    filter: (source) => !/\.d\.ts$|tsconfig\.json$/.test(source),
  });

  for (const [name, { dir, manifest }] of workspace) {
    const short = name.slice('@keyra/'.length);
    const target = path.join(pkg, 'node_modules', name);
    copyDist(path.join(dir, 'dist'), path.join(target, 'dist'));
    for (const extra of EXTRA_FILES[short] ?? []) {
      cpSync(path.join(dir, extra), path.join(target, extra), { recursive: true });
    }
    // The bundled manifest names no npm dependency: the `keyra` package declares them all once,
    // so npm resolves them at the top level where these bundled files find them.
    const {
      dependencies: _d,
      devDependencies: _dd,
      optionalDependencies: _o,
      scripts: _s,
      ...rest
    } = manifest;
    writeFileSync(
      path.join(target, 'package.json'),
      `${JSON.stringify({ ...rest, private: undefined, files: undefined }, null, 2)}\n`,
    );
  }

  const manifest = {
    name: 'keyra',
    version: rootManifest.version,
    description: rootManifest.description,
    license: rootManifest.license,
    type: 'module',
    engines: rootManifest.engines,
    bin: { keyra: 'packages/server/bin/keyra.js' },
    exports: { '.': './packages/server/dist/index.js', './package.json': './package.json' },
    files: ['packages', 'apps', 'README.md'],
    // npm bundles only packages that `dependencies` also names.
    dependencies: {
      ...dependencies,
      ...Object.fromEntries([...workspace].map(([name, { manifest: m }]) => [name, m.version])),
    },
    optionalDependencies,
    bundleDependencies: [...workspace.keys()].sort(),
  };
  writeFileSync(path.join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    path.join(pkg, 'README.md'),
    [
      '# keyra',
      '',
      rootManifest.description,
      '',
      '```sh',
      'npm install --omit=dev keyra',
      'npx keyra serve --database sqlite:./keyra.db',
      '```',
      '',
      'On-chain stamps (ethers, EAS SDK) and the neural voice back end (onnxruntime-node) are',
      'optional dependencies: `--omit=optional` leaves them out. See docs/deploy.md in the',
      'repository for containers, Kubernetes and the three-instance topology.',
      '',
    ].join('\n'),
  );

  mkdirSync(OUT, { recursive: true });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', OUT], {
      cwd: pkg,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  )[0];
  const tarball = path.join(OUT, packed.filename);
  const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  console.log(
    `${tarball}\n  ${packed.entryCount} files, ${mib(packed.size)} packed, ${mib(packed.unpackedSize)} unpacked`,
  );
  console.log(`  bundled: ${manifest.bundleDependencies.join(', ')}`);
  console.log(
    `  dependencies: ${Object.keys(dependencies).length}, optional: ${Object.keys(optionalDependencies).join(', ')}`,
  );
} finally {
  rmSync(stage, { recursive: true, force: true });
}
