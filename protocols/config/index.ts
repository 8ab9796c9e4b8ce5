// protocols/config — config validation shared by gateway and hub: YAML, schema check with defaults, env secrets,
// errors that name file, key and problem. Import from here.
export * from './issues.js';
export * from './yaml.js';
export * from './check.js';
export * from './env.js';
export * from './resolve.js';
export * from './schema.js';
export * from './paths.js';
export * from './keys.js';
