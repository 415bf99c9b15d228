import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The renderer runs sandboxed (Electron) or in a plain browser: its import
// graph may hold only React, zustand and pure project modules — no Node
// built-ins, no database or device drivers.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ALLOWED = new Set(['react', 'react-dom/client', 'zustand', 'zustand/vanilla']);

function graph(entry: string): { files: Set<string>; bare: Map<string, string> } {
  const files = new Set<string>();
  const bare = new Map<string, string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      if (m[2]) continue; // type-only imports vanish at build time
      const spec = (m[3] ?? m[4])!;
      if (!spec.startsWith('.')) { bare.set(spec, path.relative(ROOT, file)); continue; }
      const base = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
      const hit = ['.ts', '.tsx', '/index.ts'].map((ext) => base + ext).find((p) => existsSync(p))
        ?? (existsSync(base) ? base : undefined);
      if (hit && /\.(ts|tsx)$/.test(hit)) queue.push(hit);
    }
  }
  return { files, bare };
}

describe('renderer bundle', () => {
  it('imports no Node modules, only React, zustand and pure project code', () => {
    const { files, bare } = graph(path.join(ROOT, 'src/ui/main.tsx'));
    expect(files.size).toBeGreaterThan(20); // the walk really followed the imports
    expect([...bare.keys()]).toContain('react');
    const offending = [...bare].filter(([spec]) => !ALLOWED.has(spec) && !spec.endsWith('.css'));
    expect(offending).toEqual([]);
    const outside = [...files].map((f) => path.relative(ROOT, f)).filter((f) => !/^src\/(ui|core|api)\//.test(f));
    expect(outside).toEqual([]);
  });
});
