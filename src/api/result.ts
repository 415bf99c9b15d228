/** The PosApi's error values are the core's (src/core/result.ts): the contract re-exports them. */
export * from '../core/result.js';
