// protocols/feed — the hub → fleet change-feed contract. Import from here.
export * from './schema.js';
export * from './subjects.js';
export * from './parse.js';
