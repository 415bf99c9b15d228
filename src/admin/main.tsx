import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { ru } from 'zod/locales';
import { App } from './App.js';
import './styles.css';

// Every zod message the console shows (form errors) in Russian.
z.config(ru());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
