// gateway/publisher — MQTT publishing of the outbox: import from here.
export * from './publisher.js';
export * from './core.js';
export * from './mqtt-options.js';
export * from './token-bucket.js';
export * from './batch.js';
