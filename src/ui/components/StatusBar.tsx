import { usePos } from '../context.js';
import { plural, printerText, salesWord, time } from '../format.js';

/** Devices and sync, always on screen. */
export function StatusBar() {
  const status = usePos((s) => s.status);
  if (!status) return <footer className="status-bar" data-testid="status-bar">Подключение к кассовому модулю…</footer>;
  const { reader, printer, sync } = status;
  const p = printerText(printer);
  return (
    <footer className="status-bar" data-testid="status-bar">
      <span className={`dev ${reader.connected ? 'ok' : 'bad'}`} data-testid="reader-status">
        Считыватель: {reader.connected ? 'подключён' : 'не подключён'}{reader.simulated ? ' (симулятор)' : ''}
        {reader.lastError ? ` — ${reader.lastError}` : ''}
      </span>
      <span className={`dev ${printer.state === 'ready' ? 'ok' : printer.state === 'paperNearEnd' ? 'warn' : 'bad'}`} data-testid="printer-status">
        Принтер: {p.label}{printer.simulated ? ' (файл)' : ''}
        {/* The driver's message already counts the queue when it matters. */}
        {p.todo ? ` — ${p.todo}` : printer.queued > 0 ? `, в очереди ${printer.queued}` : ''}
      </span>
      <span className={`dev ${!sync.configured ? '' : sync.online ? 'ok' : 'bad'}`} data-testid="sync-status">
        {!sync.configured
          ? 'Сервер: не настроен'
          : <>Сервер: {sync.online ? 'на связи' : 'нет связи'} · не отправлено: <b data-testid="pending">{sync.pending}</b> · синхронизация: {time(sync.lastSyncAt)}</>}
      </span>
    </footer>
  );
}

/** Selling goes on offline; the banner only says so. */
export function OfflineBanner() {
  const sync = usePos((s) => s.status?.sync);
  const stale = usePos((s) => s.status?.staleWarning);
  if (!sync) return null;
  return (
    <>
      {sync.configured && !sync.online && (
        <div className="offline-banner" role="status" data-testid="offline-banner">
          Нет связи с сервером. Продажа продолжается
          {sync.pending > 0
            ? `; ${sync.pending} ${salesWord(sync.pending)} ${plural(sync.pending, 'будет отправлена', 'будут отправлены', 'будут отправлены')} при появлении связи.`
            : '.'}
        </div>
      )}
      {stale && <div className="offline-banner stale" role="status">{stale}</div>}
      {sync.ledgerWarning && <div className="offline-banner stale" role="alert" data-testid="ledger-warning">{sync.ledgerWarning}</div>}
    </>
  );
}
