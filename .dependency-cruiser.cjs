/**
 * The layering as a checked rule (`npm run lint:deps`, in .ci/run after the typecheck).
 * docs/architecture.md draws it. Each rule names the folders a layer must NOT import.
 *
 *   src/core      pure domain: imports nothing of ours
 *   src/api       contracts (PosApi, sync wire, admin API schemas): core only
 *   hardware/     device I/O: core only
 *   src/terminal  the till's service: core, api, hardware
 *   src/ui        cashier UI (renderer): core, api
 *   src/admin     staff console UI (renderer): core, api
 *   src/server    central server: core, api, and src/cabinet (its server-rendered cabinet pages)
 *   src/cabinet   cabinet pages: core, api, and the data src/server/cabinet gives them
 *   src/shell     the till's processes (browser shell, embedded demo server): what it runs
 *   electron/     Electron main and preload: shell, api, core
 *   bench/, tests/: nothing outside them imports them
 */
const ours = '^(src|hardware|electron|bench|tests)/';
const only = (name, from, allowed) => ({
  name,
  severity: 'error',
  comment: `${from} may import only ${allowed.join(', ') || 'itself'} of ours`,
  from: { path: `^${from}/` },
  to: { path: ours, pathNot: [`^${from}/`, ...allowed.map((a) => `^${a}/`)] },
});

module.exports = {
  forbidden: [
    only('core-is-pure', 'src/core', []),
    only('api-on-core', 'src/api', ['src/core']),
    only('hardware-on-core', 'hardware', ['src/core']),
    only('terminal-layers', 'src/terminal', ['src/core', 'src/api', 'hardware']),
    only('ui-layers', 'src/ui', ['src/core', 'src/api']),
    only('admin-ui-layers', 'src/admin', ['src/core', 'src/api']),
    only('server-layers', 'src/server', ['src/core', 'src/api', 'src/cabinet']),
    only('cabinet-layers', 'src/cabinet', ['src/core', 'src/api', 'src/server/cabinet']),
    only('electron-layers', 'electron', ['src/shell', 'src/api', 'src/core']),
    {
      name: 'no-bench-or-tests',
      severity: 'error',
      comment: 'bench/ and tests/ are leaves: no product code imports them',
      from: { pathNot: '^(bench|tests)/' },
      to: { path: '^(bench|tests)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no import circles between our modules (a circle made of type-only imports does not exist at run time)',
      from: { path: ours },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist[^/]*)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
  },
};
