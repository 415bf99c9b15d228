import { usePos, usePosStore } from '../context.js';
import { receiptText } from '../receipt-text.js';

export function ReceiptPreview() {
  const preview = usePos((s) => s.preview);
  const printer = usePos((s) => s.status?.printer);
  const store = usePosStore();
  return (
    <section className="receipt-preview" data-testid="receipt-preview">
      <h2>Чек {printer?.simulated ? <small>(печать в файл)</small> : null}</h2>
      {preview ? <pre>{receiptText(preview).join('\n')}</pre> : <div className="muted">Здесь появится последний чек</div>}
      <button type="button" onClick={() => void store.getState().reprintLast()}>Копия последнего чека <kbd>Ctrl+P</kbd></button>
    </section>
  );
}
