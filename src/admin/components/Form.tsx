import { useState, type FormEvent, type ReactNode } from 'react';
import type { z } from 'zod';
import { ApiError } from '../api.js';
import { ConflictNotice } from './ConflictNotice.js';

export type FieldErrors = Record<string, string>;

/** zod issues → the first message per field ("price" → "Слишком маленькое значение…"). */
export function issuesByField(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) {
    const key = i.path.map(String).join('.') || '_';
    out[key] ??= i.message;
  }
  return out;
}

/**
 * A form over a zod schema (the same one the API validates with, src/api/admin):
 * checked in the browser first, so every field says in Russian what is wrong
 * before anything is sent; the server's refusal (its Russian message, or a
 * 409 with what changed) is shown above the buttons.
 */
export function useZodForm<S extends z.ZodType>(schema: S, initial: Record<string, string>) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (name: string, value: string) => { setValues((v) => ({ ...v, [name]: value })); setErrors((e) => ({ ...e, [name]: '' })); };
  const submit = (send: (data: z.output<S>) => Promise<unknown>, toInput: (v: Record<string, string>) => unknown = (v) => v) =>
    async (e?: FormEvent) => {
      e?.preventDefault();
      setServerError(null);
      const parsed = schema.safeParse(toInput(values));
      if (!parsed.success) { setErrors(issuesByField(parsed.error.issues)); return; }
      setErrors({});
      setBusy(true);
      try { await send(parsed.data); } catch (err) {
        setServerError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
      } finally { setBusy(false); }
    };
  return { values, set, setValues, errors, setErrors, serverError, setServerError, busy, submit };
}

interface FieldProps {
  name: string; label: string; value: string; onChange: (name: string, v: string) => void;
  error?: string; type?: string; hint?: string; autoFocus?: boolean; autoComplete?: string; inputMode?: 'numeric' | 'text' | 'decimal';
  options?: { value: string; label: string }[];
}

/** A labelled input (or select) with its error tied to it (aria-invalid, aria-describedby). */
export function Field(p: FieldProps) {
  const id = `f-${p.name}`;
  const err = p.error ? `${id}-err` : undefined;
  const hint = p.hint ? `${id}-hint` : undefined;
  const common = {
    id, name: p.name, 'aria-invalid': p.error ? true : undefined,
    'aria-describedby': [err, hint].filter(Boolean).join(' ') || undefined,
    autoFocus: p.autoFocus,
  };
  return (
    <div className={`field${p.error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{p.label}</label>
      {p.options ? (
        <select {...common} value={p.value} onChange={(e) => p.onChange(p.name, e.target.value)}>
          {p.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      ) : (
        <input {...common} type={p.type ?? 'text'} value={p.value} autoComplete={p.autoComplete} inputMode={p.inputMode}
          onChange={(e) => p.onChange(p.name, e.target.value)} />
      )}
      {p.hint && <small id={hint} className="muted">{p.hint}</small>}
      {p.error && <small id={err} className="field-error">{p.error}</small>}
    </div>
  );
}

/** The server's refusal of a form: its message, or for a stale save (409) what changed meanwhile. */
export function FormError({ error }: { error: ApiError | null }) {
  if (!error) return null;
  if (error.status === 409 && error.details) return <ConflictNotice error={error} />;
  const lines = Array.isArray(error.details) ? (error.details as unknown[]).filter((d): d is string => typeof d === 'string') : [];
  return (
    <div className="error" role="alert">
      {error.message}
      {lines.length > 0 && <ul>{lines.map((l) => <li key={l}>{l}</li>)}</ul>}
    </div>
  );
}

export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  return (
    <div className="dialog-back" onKeyDown={(e) => { if (e.key === 'Escape') onClose(); }}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={title}>
        <header><h2>{title}</h2><button type="button" onClick={onClose} aria-label="Закрыть">✕</button></header>
        {children}
      </div>
    </div>
  );
}
