import { useEffect, useState } from 'react';

/**
 * A report file: fetched here (the server computes it, which may take a while for a district's
 * month), the bytes received shown as they come, then a link to save it. No new window, no lost session.
 */
export function Download({ path, label, fileName }: { path: string; label: string; fileName: string }) {
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'busy'; bytes: number } | { kind: 'ready'; url: string; size: number } | { kind: 'error'; message: string }>({ kind: 'idle' });
  useEffect(() => () => { if (state.kind === 'ready') URL.revokeObjectURL(state.url); }, [state]);
  useEffect(() => { setState({ kind: 'idle' }); }, [path]);
  const start = async () => {
    setState({ kind: 'busy', bytes: 0 });
    try {
      const res = await fetch(`/api/v1${path}`, { credentials: 'same-origin' });
      if (!res.ok || !res.body) {
        const j = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(j?.error?.message ?? `Ошибка сервера (${res.status})`);
      }
      const reader = res.body.getReader();
      const parts: Uint8Array[] = [];
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        bytes += value.length;
        setState({ kind: 'busy', bytes });
      }
      const blob = new Blob(parts as BlobPart[], { type: res.headers.get('content-type') ?? 'application/octet-stream' });
      setState({ kind: 'ready', url: URL.createObjectURL(blob), size: blob.size });
    } catch (e) {
      setState({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  };
  return (
    <span className="download">
      {state.kind !== 'busy' && <button type="button" onClick={() => { void start(); }}>{label}</button>}
      {state.kind === 'busy' && <span role="status">Формируется… {state.bytes ? `получено ${Math.ceil(state.bytes / 1024)} КБ` : 'сервер считает'}</span>}
      {state.kind === 'ready' && <a href={state.url} download={fileName}>Скачать {fileName} ({Math.ceil(state.size / 1024)} КБ)</a>}
      {state.kind === 'error' && <span className="error" role="alert">{state.message}</span>}
    </span>
  );
}
