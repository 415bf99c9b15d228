import { useState } from 'react';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '⌫', '0', 'OK'] as const;

/**
 * A PIN field with an on-screen keypad (the till is a touch screen; keys ≥ 56 px). The keyboard
 * works too: digits and Enter in the field. The PIN never stays in the field after a submit.
 */
export function PinPad(p: { label: string; submitLabel: string; testId: string; disabled?: boolean; autoFocus?: boolean; onSubmit: (pin: string) => void | Promise<void> }) {
  const [pin, setPin] = useState('');
  const submit = () => { if (!pin) return; const v = pin; setPin(''); void p.onSubmit(v); };
  return (
    <form className="pin-pad" onSubmit={(e) => { e.preventDefault(); e.stopPropagation(); submit(); }}>
      <label>
        {p.label}
        <input data-testid={p.testId} type="password" inputMode="numeric" autoComplete="off" autoFocus={p.autoFocus} value={pin} disabled={p.disabled}
          onKeyDown={(e) => e.stopPropagation()}
          onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 12))} />
      </label>
      <div className="pin-keys" role="group" aria-label="Цифры PIN-кода">
        {KEYS.map((k) => (
          <button key={k} type="button" tabIndex={-1} disabled={p.disabled} data-testid={`${p.testId}-key-${k === '⌫' ? 'back' : k === 'OK' ? 'ok' : k}`}
            aria-label={k === '⌫' ? 'Стереть' : k === 'OK' ? p.submitLabel : k}
            className={k === 'OK' ? 'ok' : undefined}
            onClick={() => (k === '⌫' ? setPin(pin.slice(0, -1)) : k === 'OK' ? submit() : setPin((pin + k).slice(0, 12)))}>
            {k === 'OK' ? p.submitLabel : k}
          </button>
        ))}
      </div>
    </form>
  );
}
