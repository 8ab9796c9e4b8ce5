// gateway/outbox — the durable outbox: import from here.
export * from './outbox.js';
export * from './writer.js';
