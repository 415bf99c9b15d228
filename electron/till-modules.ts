/**
 * Which node_modules the till's installer carries (issue 18 follow-up). package.json's
 * `dependencies` serve the whole system (server, console, CLI, till), and electron-builder packs
 * all of them; the till needs only what its built main process loads — the UI is bundled by Vite.
 * So the list is derived from the bundle itself: the packages its files import or require, and
 * their own dependencies, resolved the way Node resolves them. Everything else in package.json's
 * production closure is excluded by negative `files` globs, which electron-builder applies to
 * node_modules (electron/build.ts writes them beside the bundle; see docs/cashier-app.md).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The file electron-builder.yml `extends`: written by buildElectron, never packed. */
export const TILL_MODULES_CONFIG = 'till-modules.json5';

/** '@scope/name/sub' → '@scope/name', 'name/sub' → 'name'. */
export function packageOf(specifier: string): string {
  return specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

/**
 * The packages the built files in `outDir` load: static and dynamic imports and require() calls
 * with a bare specifier (createRequire's too, which no bundler metafile sees). Node built-ins
 * and `electron` (the runtime itself) are not packages.
 */
export function bundleImports(outDir: string): string[] {
  const found = new Set<string>();
  for (const f of readdirSync(outDir).filter((n) => /\.c?js$/.test(n))) {
    const code = readFileSync(path.join(outDir, f), 'utf8');
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\(\s*)["']([^"'./][^"']*)["']/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || builtinModules.includes(spec) || builtinModules.includes(packageOf(spec))) continue;
      if (packageOf(spec) !== 'electron') found.add(packageOf(spec));
    }
  }
  return [...found].sort();
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Node's lookup: <dir>/node_modules/<name>, then each parent's, up to the root. */
function resolvePackage(root: string, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The names of the packages `roots` need at run time: them and, transitively, their
 * dependencies, installed optional dependencies and required peers, wherever installed (top
 * level or nested: electron-builder hoists nested ones into its own layout, so only names hold).
 * Optional peers are left out unless `optionalPeers` (drizzle-orm names every database driver one).
 */
export function moduleClosure(root: string, roots: Iterable<string>, optionalPeers = false): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    names.add(packageOf(dir.slice(dir.lastIndexOf(`node_modules${path.sep}`) + 'node_modules/'.length).split(path.sep).join('/')));
    const m = manifest(dir);
    const peers = Object.keys(m.peerDependencies ?? {}).filter((p) => optionalPeers || !m.peerDependenciesMeta?.[p]?.optional);
    for (const dep of [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.optionalDependencies ?? {}), ...peers]) {
      const at = resolvePackage(root, dir, dep);
      if (at) visit(at);
      else if (!(dep in (m.optionalDependencies ?? {})) && !peers.includes(dep)) throw new Error(`${dep} (needed by ${dir}) is not installed`);
    }
  };
  for (const name of roots) {
    const at = resolvePackage(root, root, name);
    if (!at) throw new Error(`${name} is imported by the till's bundle but not installed`);
    visit(at);
  }
  return names;
}

export interface TillModules {
  /** What the bundle imports (package names). */
  imports: string[];
  /** The packages the till needs (their names): packed. */
  packed: string[];
  /** The rest of package.json's production closure: excluded, wherever electron-builder puts them. */
  excluded: string[];
}

/** Derives the till's modules for the bundle in `outDir`, against `root`'s package.json and node_modules. */
export function tillModules(root: string, outDir: string): TillModules {
  const imports = bundleImports(outDir);
  const pkg = manifest(root);
  const missing = imports.filter((p) => !(p in (pkg.dependencies ?? {})));
  if (missing.length > 0) throw new Error(`the till's bundle imports ${missing.join(', ')}, not in package.json dependencies (not packed)`);
  const packed = moduleClosure(root, imports);
  // Everything electron-builder may collect (its collectors differ on peers: take them all).
  const all = moduleClosure(root, Object.keys(pkg.dependencies ?? {}), true);
  return { imports, packed: [...packed].sort(), excluded: [...all].filter((p) => !packed.has(p)).sort() };
}

/**
 * Writes the electron-builder config that electron-builder.yml `extends`: one negative glob per
 * excluded package name, at any depth (electron-builder merges parent and child `files`, and applies the
 * negative ones to node_modules). The file itself sits in dist-electron/; electron-builder.yml
 * excludes it (here it would come before, and lose to, the yml's `dist-electron/**`).
 */
export function writeTillModulesConfig(root: string, outDir: string): TillModules {
  const t = tillModules(root, outDir);
  const files = t.excluded.map((p) => `!**/node_modules/${p}{,/**}`);
  writeFileSync(path.join(outDir, TILL_MODULES_CONFIG), [
    '// Generated by electron/build.ts (electron/till-modules.ts) from the till bundle\'s imports; do not edit.',
    `// The bundle imports: ${t.imports.join(' ')}`,
    `// Packed (their closure): ${t.packed.join(' ')}`,
    JSON.stringify({ files }, null, 2),
    '',
  ].join('\n'));
  return t;
}
