// protocols/logging — tests: level from config or DOCKGATE_LOG_LEVEL, component field, secrets redacted; the JSON is
// read back from a destination stream exactly as a log shipper would read it.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { componentLogger, createLogger, resolveLevel, silentLogger } from './index.js';

/** A destination collecting the JSON lines written to it. */
function sink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('resolveLevel', () => {
  it('prefers a valid DOCKGATE_LOG_LEVEL, then the configured level, then info', () => {
    expect(resolveLevel('warn', { DOCKGATE_LOG_LEVEL: 'debug' })).toBe('debug');
    expect(resolveLevel('warn', { DOCKGATE_LOG_LEVEL: 'TRACE' })).toBe('trace');
    expect(resolveLevel('warn', { DOCKGATE_LOG_LEVEL: 'chatty' })).toBe('warn');
    expect(resolveLevel('warn', {})).toBe('warn');
    expect(resolveLevel('loud', {})).toBe('info');
    expect(resolveLevel(undefined, {})).toBe('info');
  });
});

describe('createLogger', () => {
  it('writes pino JSON with name, level label, ISO time and message', () => {
    const { lines, stream } = sink();
    const log = createLogger({ name: 'dockgate-hub', level: 'info', env: {}, destination: stream });
    log.info({ door: 'door-1' }, 'door opened');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ name: 'dockgate-hub', level: 'info', door: 'door-1', msg: 'door opened' });
    expect(typeof lines[0]!.time).toBe('string');
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
  });

  it('drops lines below the configured level, and DOCKGATE_LOG_LEVEL overrides the config', () => {
    const a = sink();
    const warnOnly = createLogger({ name: 'x', level: 'warn', env: {}, destination: a.stream });
    warnOnly.info('hidden');
    warnOnly.warn('shown');
    expect(a.lines.map((l) => l.msg)).toEqual(['shown']);

    const b = sink();
    const debug = createLogger({ name: 'x', level: 'warn', env: { DOCKGATE_LOG_LEVEL: 'debug' }, destination: b.stream });
    debug.debug('now shown');
    expect(b.lines.map((l) => [l.level, l.msg])).toEqual([['debug', 'now shown']]);
  });

  it('gives every line of a component logger its component field, and keeps extra bindings', () => {
    const { lines, stream } = sink();
    const root = createLogger({ name: 'dockgate-gateway', env: {}, destination: stream });
    const reader = componentLogger(root, 'llrp-client', { reader: 'portal-1' });
    reader.warn('keepalive missed');
    componentLogger(reader, 'llrp-framer').info('frame');
    root.info('no component');
    expect(lines[0]).toMatchObject({ component: 'llrp-client', reader: 'portal-1', msg: 'keepalive missed' });
    expect(lines[1]).toMatchObject({ component: 'llrp-framer', reader: 'portal-1' });
    expect(lines[2]!.component).toBeUndefined();
  });

  it('redacts passwords, tokens, secrets and authorization headers wherever they sit', () => {
    const { lines, stream } = sink();
    const log = componentLogger(createLogger({ name: 'x', env: {}, destination: stream }), 'api');
    log.info({ password: 'p1', token: 't1', secret: 's1', accessToken: 'a1', apiKey: 'k1', user: 'ops' }, 'top level');
    log.info({ mqtt: { url: 'mqtt://hub', password: 'p2' }, http: { tokens: ['t2'] }, shopify: { accessToken: 'a2' } }, 'one level down');
    log.info({ config: { broker: { password: 'p3' } } }, 'two levels down');
    log.info({ req: { method: 'GET', url: '/api/stock', headers: { authorization: 'Bearer t3', cookie: 'sid=c1', host: 'hub' } } }, 'request');
    log.info({ headers: { authorization: 'Basic b1' } }, 'outgoing');
    const text = JSON.stringify(lines);
    for (const secret of ['p1', 't1', 's1', 'a1', 'k1', 'p2', 't2', 'a2', 'p3', 'Bearer t3', 'sid=c1', 'Basic b1']) expect(text).not.toContain(`"${secret}"`);
    expect(lines[0]).toMatchObject({ password: '[redacted]', token: '[redacted]', user: 'ops', component: 'api' });
    expect(lines[1]).toMatchObject({ mqtt: { url: 'mqtt://hub', password: '[redacted]' }, http: { tokens: '[redacted]' } });
    expect(lines[2]).toMatchObject({ config: { broker: { password: '[redacted]' } } });
    expect(lines[3]).toMatchObject({ req: { method: 'GET', url: '/api/stock', headers: { authorization: '[redacted]', cookie: '[redacted]', host: 'hub' } } });
    expect(lines[4]).toMatchObject({ headers: { authorization: '[redacted]' } });
  });

  it('does not alter the object that was logged', () => {
    const { stream } = sink();
    const log = createLogger({ name: 'x', env: {}, destination: stream });
    const cfg = { password: 'keep-me' };
    log.info(cfg, 'x');
    expect(cfg.password).toBe('keep-me');
  });
});

describe('silentLogger', () => {
  it('is a logger that writes nothing', () => {
    const log = silentLogger();
    expect(log.level).toBe('silent');
    expect(log.isLevelEnabled('fatal')).toBe(false);
  });
});
