import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/open.js';
import { HttpError } from '../errors.js';
import { UPDATES_PATH } from '../../api/sync.js';
import type { TerminalIdentity } from '../ledger/push.js';
import { METADATA_FILES, metadataYaml, offeredRelease, servableFile } from './service.js';


/**
 * GET /api/v1/updates/latest.yml | latest-linux.yml | latest-linux-arm64.yml and
 * GET /api/v1/updates/<file>: for enrolled tills only (Bearer token, as sync);
 * what a till is offered depends on its school (pilot or not), so the metadata is
 * never cached by a proxy.
 */
export function registerUpdates(app: FastifyInstance, deps: { db: Db; dir: string; terminalOf(req: FastifyRequest): Promise<TerminalIdentity> }): void {
  app.get<{ Params: { name: string } }>(`${UPDATES_PATH}/:name`, async (req, reply) => {
    const terminal = await deps.terminalOf(req);
    const name = req.params.name;
    const platform = METADATA_FILES[name];
    if (platform) {
      const offer = await offeredRelease(deps.db, terminal.schoolId, platform);
      if (!offer) throw new HttpError(404, 'NOT_FOUND', 'Для этой кассы нет выпусков');
      return reply.header('content-type', 'text/yaml; charset=utf-8').header('cache-control', 'no-store').send(metadataYaml(offer));
    }
    const found = await servableFile(deps.db, deps.dir, terminal.schoolId, name);
    if (!found) throw new HttpError(404, 'NOT_FOUND', `Нет файла выпуска ${name}`);
    return reply.header('content-type', 'application/octet-stream').header('content-length', String(found.size))
      .header('cache-control', 'private, max-age=86400').send(createReadStream(found.file));
  });
}
