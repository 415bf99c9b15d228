import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, dateTime } from '../api.js';
import type { PrinterState, SyncState } from '../../api/pos-api.js';

/**
 * «Диагностика» of one till (issue 18, remote help without remote access): opens on the latest
 * bundle the till sent, with its time, without asking again (the GET); asks the till (POST) only
 * when it was never asked, or on «Запросить заново»; a request waits for the till's next sync
 * (polls the GET). Shows what the till sent — versions, database counts, sync state, devices,
 * printer, update journal, the redacted log — and offers it as a JSON file. The bundle is the till's own (src/terminal/diagnostics.ts); anything this
 * viewer does not know is still shown, as JSON, so a newer till's fields are not hidden.
 */

export interface DiagnosticsView { id: string; requestedAt: string; requestedBy: string; uploadedAt: string | null; bundle: Record<string, unknown> | null }

const POLL_MS = 3000;

/** The path of a till's diagnostics in the admin API (POST asks, GET reads the latest). */
export function diagnosticsPath(base: string, tillId: string): string {
  return `${base}/${encodeURIComponent(tillId)}/diagnostics`;
}

/** Shows this till's latest diagnostics (asking for the first one itself); a pending request is polled until it comes. */
export function TillDiagnostics({ base, till, onClose }: { base: string; till: { id: string; name: string }; onClose: () => void }) {
  const path = diagnosticsPath(base, till.id);
  const [view, setView] = useState<DiagnosticsView | null>(null);
  const [error, setError] = useState('');
  // Requests made here; each restarts the polling below.
  const [asked, setAsked] = useState(0);
  const section = useRef<HTMLElement>(null);
  // The panel opens under the till table, which may be long: bring it into view.
  useEffect(() => { section.current?.scrollIntoView?.({ block: 'start' }); }, []);

  const ask = () => {
    api<{ id: string }>('POST', path, {}).then(() => { setError(''); setAsked((n) => n + 1); },
      (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  };

  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      api<DiagnosticsView>('GET', path).then((v) => {
        if (stop) return;
        setView(v);
        setError('');
        if (!v.uploadedAt) timer = setTimeout(poll, POLL_MS);
      }, (e: unknown) => {
        if (stop) return;
        // Never asked: the first opening asks (once; a refused request shows its reason).
        if (e instanceof ApiError && e.status === 404 && asked === 0) { ask(); return; }
        setError(e instanceof ApiError ? e.message : String(e));
        timer = setTimeout(poll, POLL_MS);
      });
    };
    setView(null);
    poll();
    return () => { stop = true; clearTimeout(timer); };
    // Not on `ask`: it is remade each render but only uses `path`, which is listed.
  }, [path, asked]);

  return (
    <section ref={section} className="diag" aria-labelledby="diag-title" data-testid="diagnostics">
      <h2 id="diag-title">Диагностика кассы «{till.name}»</h2>
      <div className="buttons">
        {view?.uploadedAt && <button type="button" onClick={ask}>Запросить заново</button>}
        <button type="button" onClick={onClose}>Закрыть</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {view && !view.uploadedAt && (
        <p className="notice" role="status" data-testid="diag-pending">
          Запрошено {dateTime(view.requestedAt)}, придёт со следующей синхронизацией кассы.
        </p>
      )}
      {view?.uploadedAt && view.bundle && <Bundle view={view} bundle={view.bundle} tillId={till.id} />}
    </section>
  );
}

function Bundle({ view, bundle, tillId }: { view: DiagnosticsView; bundle: Record<string, unknown>; tillId: string }) {
  const { versions, database, sync, devices, printer, update, log, madeAt, ...rest } = bundle;
  // A data: URL, not a blob: one — nothing to revoke (a bundle is at most 1 MB, DIAGNOSTICS_BODY_LIMIT).
  const url = useMemo(() => `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(view, null, 2))}`, [view]);
  const lines = Array.isArray(log) ? (log as unknown[]).map(String) : [];
  const day = (view.uploadedAt ?? '').slice(0, 10);
  return (
    <div data-testid="diag-bundle">
      <p role="status">
        Получена {dateTime(view.uploadedAt)} (собрана на кассе {dateTime(typeof madeAt === 'string' ? madeAt : null)}), запросил(а) {view.requestedBy}.{' '}
        <a href={url} download={`diagnostika-${tillId}-${day}.json`}>Скачать</a> (JSON)
      </p>
      <div className="diag-grid">
        <Facts title="Версии" testId="diag-versions" value={versions} labels={VERSION_LABELS} />
        <Facts title="База кассы" testId="diag-database" value={database} labels={DATABASE_LABELS} />
        <Facts title="Синхронизация" testId="diag-sync" value={sync as Partial<SyncState> | null} labels={SYNC_LABELS} />
        <Facts title="Принтер" testId="diag-printer" value={printer as Partial<PrinterState> | null} labels={PRINTER_LABELS} />
        <Facts title="Обновления" testId="diag-update" value={update} labels={UPDATE_LABELS} />
        <section data-testid="diag-devices">
          <h3>Устройства</h3>
          {Array.isArray(devices) && devices.length > 0
            ? <ul>{(devices as { description?: unknown; simulated?: unknown }[]).map((d, i) => <li key={i}>{typeof d.description === 'string' ? d.description : JSON.stringify(d)}{d.simulated ? ' (симулятор)' : ''}</li>)}</ul>
            : <p>—</p>}
        </section>
        {Object.keys(rest).length > 0 && <Facts title="Прочее" value={rest} labels={{}} />}
      </div>
      <h3 id="diag-log-title">Журнал кассы: {lines.length} строк (имена, карты, счета, PIN-коды и токены скрыты: ***)</h3>
      <pre className="diag-log" tabIndex={0} aria-labelledby="diag-log-title" data-testid="diag-log">{lines.join('\n') || '—'}</pre>
    </div>
  );
}

type Labels = Record<string, string>;
const VERSION_LABELS: Labels = { app: 'Касса', electron: 'Electron', node: 'Node.js', platform: 'Система', sqlite: 'SQLite' };
const DATABASE_LABELS: Labels = {
  pendingEntries: 'Не отправлено записей', openShift: 'Смена открыта', lastZAt: 'Последний Z-отчёт', lastSeq: 'Последний номер записи',
  migrations: 'Миграций базы', lastMigrationAt: 'Последняя миграция', pupils: 'Учеников (число)', cards: 'Карт (число)',
};
const SYNC_LABELS: Labels = {
  configured: 'Сервер настроен', online: 'На связи', pending: 'Ждут отправки', lastSyncAt: 'Последняя синхронизация', lastError: 'Последняя ошибка', ledgerWarning: 'Предупреждение',
};
const PRINTER_LABELS: Labels = { state: 'Состояние', simulated: 'Симулятор', queued: 'Чеков в очереди печати', message: 'Сообщение' };
const UPDATE_LABELS: Labels = { phase: 'Этап', from: 'С версии', to: 'На версию', starts: 'Запусков новой версии', reason: 'Причина', last: 'Последнее обновление', bad: 'Версии, которые не запустились' };
const WORDS: Record<string, string> = {
  ready: 'готов', paperOut: 'нет бумаги', paperNearEnd: 'бумага заканчивается', coverOpen: 'открыта крышка', offline: 'не отвечает', unknown: 'неизвестно',
  idle: 'нет обновления в работе', installing: 'устанавливается', starting: 'проверка запуска', rollingBack: 'возврат к прежней версии',
  installed: 'установлено', rolledBack: 'не запустилось, возврат', notInstalled: 'не установилось', rollbackFailed: 'возврат не удался',
};

/** One object of the bundle as a label–value list; unknown keys keep their own names. */
function Facts({ title, value, labels, testId }: { title: string; value: unknown; labels: Labels; testId?: string }) {
  const entries = value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value as Record<string, unknown>) : [];
  const known = Object.keys(labels);
  entries.sort(([a], [b]) => (known.includes(a) ? known.indexOf(a) : 99) - (known.includes(b) ? known.indexOf(b) : 99));
  return (
    <section data-testid={testId}>
      <h3>{title}</h3>
      {entries.length === 0 ? <p>—</p> : (
        <dl className="facts">
          {entries.map(([k, v]) => <div key={k}><dt>{labels[k] ?? k}</dt><dd>{show(k, v)}</dd></div>)}
        </dl>
      )}
    </section>
  );
}

function show(key: string, v: unknown): ReactNode {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'да' : 'нет';
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return dateTime(v);
  if (typeof v === 'string') return WORDS[v] ?? v;
  if (typeof v === 'number') return String(v);
  if (key === 'last' && typeof v === 'object') {
    const l = v as { result?: string; from?: string; to?: string; at?: string; reason?: string };
    return `${WORDS[l.result ?? ''] ?? l.result ?? ''}: ${l.from ?? '?'} → ${l.to ?? '?'}${l.at ? `, ${dateTime(l.at)}` : ''}${l.reason ? ` (${l.reason})` : ''}`;
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(', ') || '—';
  return <code>{JSON.stringify(v)}</code>;
}
