import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { StoreContext } from './context.js';
import { getPosApi } from './pos-client.js';
import { createPosStore } from './store.js';
import './styles.css';

const store = createPosStore(getPosApi());
void store.getState().init();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
