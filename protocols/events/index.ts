// protocols/events — the versioned MQTT wire contract. Import from here.
export * from './schema.js';
export * from './topics.js';
export * from './ids.js';
export * from './parse.js';
export * from './time.js';
export * from './examples.js';
