import { z } from 'zod';

export const tillViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  receiptSeries: z.string().nullable(),
  enrolledAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  /** Entries of this till stored on the server (its last contiguous seq). */
  lastSeq: z.number().int(),
  appVersion: z.string().nullable(),
  /** The till's update state ("downloaded 1.2.0 wait shift", "rolledBack 1.2.0>1.1.0" …; src/shell/updates.ts). */
  update: z.string().nullable().optional(),
  pendingEntries: z.number().int().nullable(),
  lastZAt: z.string().nullable(),
  printer: z.string().nullable(),
  reader: z.string().nullable(),
  /** Till clock minus server clock at its last pull (ms). */
  clockSkewMs: z.number().nullable(),
  /** Silent longer than the school's offline warning (or never seen since enrolment). */
  silentTooLong: z.boolean(),
});
export type TillView = z.infer<typeof tillViewSchema>;

export const enrollCodeRequestSchema = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  /** Re-enrol this till (new token, same history and receipt series). */
  terminalId: z.string().min(1).max(100).optional(),
  hours: z.number().int().min(1).max(24 * 7).default(72),
});
export const enrollCodeSchema = z.object({ code: z.string(), terminalId: z.string(), terminalName: z.string(), expiresAt: z.string() });

/** Remote help: a diagnostic bundle asked of a till (it sends it with its next pull). */
export const diagnosticsRequestedSchema = z.object({ id: z.string(), requestedAt: z.string() });
export const diagnosticsViewSchema = z.object({
  id: z.string(),
  requestedAt: z.string(),
  requestedBy: z.string(),
  /** null until the till has sent it. */
  uploadedAt: z.string().nullable(),
  /** What the till sent: versions, database counts, sync state, devices, printer, update journal, redacted log (src/terminal/diagnostics.ts). */
  bundle: z.record(z.string(), z.unknown()).nullable(),
});
