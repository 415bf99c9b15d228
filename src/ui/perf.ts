/**
 * tap_to_panel: `tap:<n>` is marked when the reader event reaches the
 * renderer, and `painted:<n>` after the next frame has been painted
 * (requestAnimationFrame runs just before paint; a message posted from it is
 * delivered just after). The measure `tap_to_panel` is what bench/ui.bench.ts reads.
 */
const channel = typeof MessageChannel === 'function' ? new MessageChannel() : undefined;
const pending: (() => void)[] = [];
if (channel) channel.port1.onmessage = () => { pending.shift()?.(); };

export function markTapReceived(token: number): void {
  performance.mark(`tap:${token}`);
}

export function markTapPainted(token: number): void {
  if (typeof requestAnimationFrame !== 'function' || !channel) return;
  requestAnimationFrame(() => {
    pending.push(() => {
      performance.mark(`painted:${token}`);
      performance.measure('tap_to_panel', `tap:${token}`, `painted:${token}`);
      performance.clearMarks(`tap:${token}`);
      performance.clearMarks(`painted:${token}`);
    });
    channel.port2.postMessage(null);
  });
}
