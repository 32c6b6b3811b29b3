export * from './domain.js';
export * from './ports.js';
