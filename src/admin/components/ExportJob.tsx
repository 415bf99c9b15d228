import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api.js';
import type { ExportJob } from '../../api/admin/export-jobs.js';

/** A random key (getRandomValues works on plain http too, where randomUUID does not exist). */
const newKey = (): string => `console-${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

/** The job made for a set of parameters in this tab: the page shows it again after a reload or a visit elsewhere. */
const remembered = (params: string): { key: string; id: string } | null => {
  try { return JSON.parse(sessionStorage.getItem(`export-job:${params}`) ?? 'null') as { key: string; id: string } | null; } catch { return null; }
};
const remember = (params: string, v: { key: string; id: string } | null) => {
  try { if (v) sessionStorage.setItem(`export-job:${params}`, JSON.stringify(v)); else sessionStorage.removeItem(`export-job:${params}`); } catch { /* storage off: nothing kept */ }
};

/**
 * A long report export as a job on the server (docs/reports.md «Long exports»): the button makes the
 * job (the key is made once per set of parameters, so a double click or a retry makes one job), the
 * job's progress is polled and shown as a bar, and «Скачать» appears when the file is ready. The
 * file stays on the server for a day; the tab remembers the job, so a reload or a visit to another
 * page finds it again (running, or ready to download).
 */
export function ExportJobButton({ path, body, label, fileName }: { path: string; body: Record<string, unknown>; label: string; fileName: string }) {
  const params = JSON.stringify({ path, body });
  const key = useRef(newKey());
  const [job, setJob] = useState<ExportJob | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const known = remembered(params);
    key.current = known?.key ?? newKey();
    setJob(null);
    setError('');
    if (!known) return;
    let stop = false;
    // A job that is gone (or no longer ours to see) is simply forgotten: the button is there again.
    api<ExportJob>('GET', `/report-exports/${known.id}`).then((j) => { if (!stop) setJob(j); }, () => { remember(params, null); });
    return () => { stop = true; };
  }, [params]);

  // Poll while the job is queued or running.
  const id = job?.id;
  const finished = !job || job.status === 'done' || job.status === 'failed' || job.status === 'expired';
  useEffect(() => {
    if (!id || finished) return;
    let stop = false;
    const timer = setInterval(() => {
      api<ExportJob>('GET', `/report-exports/${id}`).then((j) => { if (!stop) setJob(j); }, (e: unknown) => {
        if (!stop) setError(e instanceof ApiError ? e.message : String(e));
      });
    }, 700);
    return () => { stop = true; clearInterval(timer); };
  }, [id, finished]);

  const start = async () => {
    // Once a job failed or its file is gone, running it again is a new job (the same key would answer the old one).
    if (job && (job.status === 'failed' || job.status === 'expired')) key.current = newKey();
    setBusy(true);
    setError('');
    try {
      const made = await api<ExportJob>('POST', path, { ...body, key: key.current });
      remember(params, { key: key.current, id: made.id });
      setJob(made);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const running = job && (job.status === 'queued' || job.status === 'running');
  return (
    <span className="download">
      {!running && job?.status !== 'done' && (
        <button type="button" disabled={busy} onClick={() => { void start(); }}>{job?.status === 'failed' || job?.status === 'expired' ? `${label} заново` : label}</button>
      )}
      {running && <Progress job={job} />}
      {job?.status === 'done' && (
        <a href={`/api/v1${job.fileUrl}`} download={fileName}>Скачать {fileName} ({Math.ceil((job.size ?? 0) / 1024)} КБ)</a>
      )}
      {job?.status === 'failed' && <span className="error" role="alert">Выгрузка не удалась: {job.error}</span>}
      {job?.status === 'expired' && <span className="muted">Файл удалён (хранится сутки): выгрузите заново</span>}
      {error && <span className="error" role="alert">{error}</span>}
    </span>
  );
}

function Progress({ job }: { job: ExportJob }) {
  const text = job.status === 'queued' ? 'В очереди…'
    : job.phase === 'write' && job.rowsTotal ? `Запись файла: ${job.rowsDone.toLocaleString('ru-RU')} из ${job.rowsTotal.toLocaleString('ru-RU')} строк`
    : 'Сервер считает отчёт…';
  const value = job.phase === 'write' && job.rowsTotal ? job.rowsDone / job.rowsTotal : undefined;
  return (
    <span className="export-progress">
      <progress aria-label={`Выгрузка «${job.fileName ?? job.kind}»`} max={1} {...(value !== undefined ? { value } : {})} />
      <span role="status">{text}</span>
    </span>
  );
}
