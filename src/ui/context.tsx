import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { PosState } from './store.js';

export const StoreContext = createContext<StoreApi<PosState> | null>(null);

export function usePos<T>(selector: (s: PosState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('StoreContext missing');
  return useStore(store, selector);
}

export function usePosStore(): StoreApi<PosState> {
  const store = useContext(StoreContext);
  if (!store) throw new Error('StoreContext missing');
  return store;
}
