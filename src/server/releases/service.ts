import { createHash } from 'node:crypto';
import { copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/open.js';
import { schools, terminals } from '../db/schema.js';
import { releaseFiles, releasePilotSchools, releases } from '../db/releases-schema.js';
import { compareVersions, isVersion } from '../../core/version.js';

/**
 * Till releases for electron-updater's generic provider (issue 18): files are
 * copied into the releases folder and hashed once; the metadata a till fetches
 * (latest.yml, latest-linux.yml) is made per request for the till's school —
 * pilot schools see the newest pilot or stable release, the others the newest
 * stable one; withdrawn releases are offered to nobody.
 */

export type Platform = 'win' | 'linux' | 'linux-arm64';
export type Channel = 'pilot' | 'stable';

/** The metadata file electron-updater asks for, per platform. */
export const METADATA_FILES: Record<string, Platform> = {
  'latest.yml': 'win',
  'latest-linux.yml': 'linux',
  'latest-linux-arm64.yml': 'linux-arm64',
};

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

export class ReleaseError extends Error {}

/** Which metadata file lists a file of this name (null: served, not listed — a .blockmap). */
export function platformOf(name: string): Platform | null | 'unknown' {
  const lower = name.toLowerCase();
  if (lower.endsWith('.blockmap')) return null;
  if (lower.endsWith('.exe')) return 'win';
  if (/\.(appimage|deb|rpm)$/.test(lower)) return /(arm64|aarch64)/.test(lower) ? 'linux-arm64' : 'linux';
  return 'unknown';
}

/** 1.2.0 from canteen-cashier-1.2.0-x64-setup.exe (electron-builder.yml artifactName). */
export function versionFromName(name: string): string | undefined {
  return /-(\d+\.\d+\.\d+)(?=[-.])/.exec(name)?.[1];
}

export async function sha512File(file: string): Promise<{ sha512: string; size: number }> {
  const hash = createHash('sha512');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha512: hash.digest('base64'), size };
}

export interface AddedRelease { version: string; channel: Channel; files: { name: string; platform: Platform | null; size: number; sha512: string }[] }

/** Copies the files into `dir/<version>/`, hashes them and records the release. Refuses a version already there. */
export async function addRelease(db: Db, dir: string, files: string[], opts: { channel: Channel; version?: string }): Promise<AddedRelease> {
  if (files.length === 0) throw new ReleaseError('Укажите файлы выпуска (установщик .exe, .AppImage, .deb и их .blockmap)');
  const names = files.map((f) => path.basename(f));
  for (const n of names) {
    if (!FILE_NAME.test(n)) throw new ReleaseError(`Недопустимое имя файла «${n}»: только латиница, цифры, точка, дефис, подчёркивание`);
    if (platformOf(n) === 'unknown') throw new ReleaseError(`Неизвестный тип файла «${n}»: ожидаются .exe, .AppImage, .deb, .rpm или .blockmap`);
  }
  if (new Set(names).size !== names.length) throw new ReleaseError('Одинаковые имена файлов в одном выпуске');
  const found = [...new Set(names.map(versionFromName).filter((v): v is string => !!v))];
  const version = opts.version ?? (found.length === 1 ? found[0] : undefined);
  if (!version) {
    throw new ReleaseError(found.length > 1 ? `В именах файлов разные версии (${found.join(', ')}): один выпуск — одна версия` : 'Версия не видна в имени файла: укажите --version 1.2.3');
  }
  if (!isVersion(version)) throw new ReleaseError(`Неверная версия «${version}»: ожидается вида 1.2.3`);
  if (!names.some((n) => platformOf(n) !== null)) throw new ReleaseError('В выпуске нет установщика (.exe, .AppImage, .deb)');
  const [existing] = await db.select({ v: releases.version }).from(releases).where(eq(releases.version, version));
  if (existing) throw new ReleaseError(`Выпуск ${version} уже есть: новая сборка — новая версия (package.json "version")`);

  const target = path.join(dir, version);
  await mkdir(target, { recursive: true });
  const out: AddedRelease['files'] = [];
  for (const [i, file] of files.entries()) {
    const name = names[i]!;
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) throw new ReleaseError(`Нет файла ${file}`);
    // Copied under a temporary name, hashed from the copy: what is served is what was hashed.
    const tmp = path.join(target, `.${name}.part`);
    await copyFile(file, tmp);
    const h = await sha512File(tmp);
    await rename(tmp, path.join(target, name));
    out.push({ name, platform: platformOf(name) as Platform | null, ...h });
  }
  const now = new Date().toISOString();
  await db.transaction(async (tx) => {
    await tx.insert(releases).values({ version, channel: opts.channel, ...(opts.channel === 'stable' ? { promotedAt: now } : {}) });
    await tx.insert(releaseFiles).values(out.map((f) => ({ version, ...f })));
  });
  return { version, channel: opts.channel, files: out };
}

/** A pilot release goes to every till. */
export async function promoteRelease(db: Db, version: string): Promise<void> {
  const r = await db.update(releases).set({ channel: 'stable', promotedAt: new Date().toISOString() })
    .where(and(eq(releases.version, version), isNull(releases.withdrawnAt))).returning({ v: releases.version });
  if (r.length === 0) throw new ReleaseError(`Нет действующего выпуска ${version}`);
}

/**
 * Offered to nobody from now on. Tills that installed it keep it until a newer
 * version is published (electron-updater never downgrades by itself); tills that
 * only downloaded it do not install it (they ask again before installing).
 */
export async function withdrawRelease(db: Db, version: string, reason: string): Promise<void> {
  const r = await db.update(releases).set({ withdrawnAt: new Date().toISOString(), withdrawnReason: reason })
    .where(and(eq(releases.version, version), isNull(releases.withdrawnAt))).returning({ v: releases.version });
  if (r.length === 0) throw new ReleaseError(`Нет действующего выпуска ${version}`);
}

export async function setPilotSchools(db: Db, codes: string[], remove: boolean): Promise<string[]> {
  if (codes.length === 0) return listPilotSchools(db);
  const rows = await db.select({ id: schools.id, code: schools.code }).from(schools).where(inArray(schools.code, codes));
  const missing = codes.filter((c) => !rows.some((r) => r.code === c));
  if (missing.length) throw new ReleaseError(`Нет школ с кодом: ${missing.join(', ')}`);
  if (remove) await db.delete(releasePilotSchools).where(inArray(releasePilotSchools.schoolId, rows.map((r) => r.id)));
  else await db.insert(releasePilotSchools).values(rows.map((r) => ({ schoolId: r.id }))).onConflictDoNothing();
  return listPilotSchools(db);
}

export async function listPilotSchools(db: Db): Promise<string[]> {
  const rows = await db.select({ code: schools.code }).from(releasePilotSchools).innerJoin(schools, eq(schools.id, releasePilotSchools.schoolId)).orderBy(schools.code);
  return rows.map((r) => r.code);
}

async function channelsFor(db: Db, schoolId: string): Promise<Channel[]> {
  const [pilot] = await db.select({ id: releasePilotSchools.schoolId }).from(releasePilotSchools).where(eq(releasePilotSchools.schoolId, schoolId));
  return pilot ? ['pilot', 'stable'] : ['stable'];
}

interface FileRow { version: string; name: string; platform: Platform | null; sha512: string; size: number; createdAt: string }

/** The newest release offered to this school that has an installer for the platform, with its files. */
export async function offeredRelease(db: Db, schoolId: string, platform: Platform): Promise<{ version: string; releaseDate: string; files: FileRow[] } | undefined> {
  const channels = await channelsFor(db, schoolId);
  const rows = await db.select({
    version: releases.version, name: releaseFiles.name, platform: releaseFiles.platform, sha512: releaseFiles.sha512, size: releaseFiles.size,
    createdAt: releases.createdAt,
  }).from(releaseFiles).innerJoin(releases, eq(releases.version, releaseFiles.version))
    .where(and(isNull(releases.withdrawnAt), inArray(releases.channel, channels), eq(releaseFiles.platform, platform)));
  if (rows.length === 0) return undefined;
  const version = rows.map((r) => r.version).sort(compareVersions).at(-1)!;
  const files = rows.filter((r) => r.version === version);
  return { version, releaseDate: new Date(files[0]!.createdAt).toISOString(), files };
}

/**
 * electron-updater's UpdateInfo as YAML (the shape electron-builder publishes):
 * version, files (url, sha512, size), path + sha512 of the main file, releaseDate.
 * Linux lists the AppImage first (AppImageUpdater and DebUpdater each pick theirs by extension).
 */
export function metadataYaml(offer: { version: string; releaseDate: string; files: { name: string; sha512: string; size: number }[] }): string {
  const files = [...offer.files].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  const main = files[0]!;
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return [
    `version: ${offer.version}`,
    'files:',
    ...files.flatMap((f) => [`  - url: ${f.name}`, `    sha512: ${f.sha512}`, `    size: ${f.size}`]),
    `path: ${main.name}`,
    `sha512: ${main.sha512}`,
    `releaseDate: ${q(offer.releaseDate)}`,
    '',
  ].join('\n');
}

function rank(name: string): number {
  const lower = name.toLowerCase();
  return lower.endsWith('.exe') || lower.endsWith('.appimage') ? 0 : lower.endsWith('.deb') ? 1 : 2;
}

/**
 * A release file this school's tills may download (a file of a non-withdrawn
 * release of their channels, blockmaps included), as its path on disk.
 */
export async function servableFile(db: Db, dir: string, schoolId: string, name: string): Promise<{ file: string; size: number } | undefined> {
  if (!FILE_NAME.test(name)) return undefined;
  const channels = await channelsFor(db, schoolId);
  const [row] = await db.select({ version: releaseFiles.version, size: releaseFiles.size }).from(releaseFiles)
    .innerJoin(releases, eq(releases.version, releaseFiles.version))
    .where(and(eq(releaseFiles.name, name), isNull(releases.withdrawnAt), inArray(releases.channel, channels)))
    .orderBy(desc(releases.createdAt)).limit(1);
  return row ? { file: path.join(dir, row.version, name), size: row.size } : undefined;
}

export interface ReleaseListing {
  version: string; channel: Channel; createdAt: string; promotedAt: string | null; withdrawnAt: string | null; withdrawnReason: string | null;
  files: string[];
}

/** Every release, newest first, and how many tills last reported each app version (the rollout). */
export async function listReleases(db: Db): Promise<{ releases: ReleaseListing[]; tillsByVersion: Record<string, number>; pilotSchools: string[] }> {
  const rs = await db.select().from(releases);
  const fs = await db.select({ version: releaseFiles.version, name: releaseFiles.name }).from(releaseFiles);
  const list = rs.sort((a, b) => compareVersions(b.version, a.version)).map((r) => ({
    version: r.version, channel: r.channel, createdAt: r.createdAt, promotedAt: r.promotedAt, withdrawnAt: r.withdrawnAt, withdrawnReason: r.withdrawnReason,
    files: fs.filter((f) => f.version === r.version).map((f) => f.name).sort(),
  }));
  const tills = await db.select({ v: sql<string | null>`${terminals.status}->>'appVersion'`, n: sql<number>`count(*)::int` }).from(terminals)
    .where(isNull(terminals.revokedAt)).groupBy(sql`1`);
  const tillsByVersion: Record<string, number> = {};
  for (const t of tills) tillsByVersion[t.v ?? 'неизвестно'] = Number(t.n);
  return { releases: list, tillsByVersion, pilotSchools: await listPilotSchools(db) };
}
