// protocols/events — tests of parse(): valid and invalid examples of every payload, error paths, versioning.
import { describe, expect, it } from 'vitest';
import {
  EXAMPLE_GATEWAY,
  EXAMPLE_SITE,
  EVENT_KINDS,
  WIRE_VERSION,
  describeErrors,
  exampleBatch,
  exampleCommands,
  exampleEvents,
  exampleGatewayStatus,
  exampleHubAck,
  exampleHubStatus,
  isValidEvent,
  parse,
  topics,
  type ParseResult,
} from './index.js';

const T = {
  events: topics.events(EXAMPLE_SITE, EXAMPLE_GATEWAY),
  status: topics.status(EXAMPLE_SITE, EXAMPLE_GATEWAY),
  cmd: topics.cmd(EXAMPLE_SITE, EXAMPLE_GATEWAY),
  hub: topics.hubStatus(EXAMPLE_SITE),
  ack: topics.ack(EXAMPLE_SITE, EXAMPLE_GATEWAY),
};

const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));

function errorsOf(r: ParseResult) {
  if (r.ok) throw new Error(`expected a failure, got ok ${r.kind}`);
  return r.errors;
}

function paths(r: ParseResult): string[] {
  return errorsOf(r).map((e) => e.path);
}

/** A batch carrying only `event` (renumbered as seq 1). */
function batchOf(event: Record<string, unknown>) {
  return { ...exampleBatch(), events: [{ ...event, seq: 1 }] };
}

describe('valid examples', () => {
  it('covers every event kind', () => {
    expect(exampleEvents().map((e) => e.kind).sort()).toEqual([...EVENT_KINDS].sort());
  });

  it('parses the batch with every kind, from bytes and from a string, unchanged', () => {
    const b = exampleBatch();
    for (const payload of [bytes(b), JSON.stringify(b)]) {
      const r = parse(T.events, payload);
      expect(r).toMatchObject({ ok: true, kind: 'events', topic: { kind: 'events', site: EXAMPLE_SITE, gateway: EXAMPLE_GATEWAY } });
      if (r.ok) expect(r.value).toEqual(b);
    }
  });

  it.each(EVENT_KINDS.map((k) => [k]))('parses a batch of one %s event', (kind) => {
    const event = exampleEvents().find((e) => e.kind === kind)!;
    expect(isValidEvent(event)).toBe(true);
    expect(parse(T.events, bytes(batchOf(event))).ok).toBe(true);
  });

  it('parses gateway status, the last-will status and hub status', () => {
    expect(parse(T.status, bytes(exampleGatewayStatus()))).toMatchObject({ ok: true, kind: 'status' });
    expect(parse(T.status, bytes({ v: 1, gateway: EXAMPLE_GATEWAY, online: false }))).toMatchObject({ ok: true, kind: 'status' });
    expect(parse(T.hub, bytes(exampleHubStatus()))).toMatchObject({ ok: true, kind: 'hub-status', topic: { site: EXAMPLE_SITE } });
  });

  it("parses the hub's acknowledgement of a stream, and names what is wrong with a bad one", () => {
    expect(parse(T.ack, bytes(exampleHubAck()))).toEqual({ ok: true, kind: 'ack', topic: { kind: 'ack', site: EXAMPLE_SITE, gateway: EXAMPLE_GATEWAY }, value: exampleHubAck() });
    expect(parse(T.ack, bytes({ ...exampleHubAck(), through: 0 })).ok).toBe(true);
    expect(paths(parse(T.ack, bytes({ ...exampleHubAck(), through: -1 })))).toEqual(['/through']);
    expect(paths(parse(T.ack, bytes({ ...exampleHubAck(), stream: 'x' })))).toEqual(['/stream']);
    expect(paths(parse(T.ack, bytes({ ...exampleHubAck(), extra: 1 })))).toContain('/extra');
  });

  it.each(exampleCommands().map((c) => [c.cmd, c]))('parses command %s', (_name, cmd) => {
    const r = parse(T.cmd, bytes(cmd));
    expect(r).toMatchObject({ ok: true, kind: 'cmd' });
    if (r.ok) expect(r.value).toEqual(cmd);
  });
});

describe('invalid events name the JSON path and the problem', () => {
  const withEvent = (i: number, patch: (e: Record<string, unknown>) => void) => {
    const b = exampleBatch() as unknown as { events: Record<string, unknown>[] };
    patch(b.events[i]!);
    return parse(T.events, bytes(b));
  };

  it('a missing door in the third event is reported at /events/2/door... for door events', () => {
    // events[4] is the door event; move it to index 2 to match the example path.
    const b = exampleBatch() as unknown as { events: Record<string, unknown>[] };
    const door: Record<string, unknown> = { ...b.events[4]!, seq: 3 };
    delete door.door;
    b.events = [b.events[0]!, b.events[1]!, door];
    const r = parse(T.events, bytes(b));
    expect(r).toMatchObject({ ok: false, reason: 'schema' });
    expect(errorsOf(r)).toContainEqual({ path: '/events/2/door', message: 'Expected required property' });
    expect(describeErrors(errorsOf(r))).toContain('/events/2/door: Expected required property');
  });

  const cases: [string, number, (e: Record<string, unknown>) => void, string][] = [
    ['tag.pass direction outside in/out/unknown', 0, (e) => (e.direction = 'sideways'), '/events/0/direction'],
    ['tag.pass epc upper-case hex', 0, (e) => (e.epc = '3034ABCD'), '/events/0/epc'],
    ['tag.pass epc odd number of digits', 0, (e) => (e.epc = 'abc'), '/events/0/epc'],
    ['tag.pass confidence above 1', 0, (e) => (e.confidence = 1.5), '/events/0/confidence'],
    ['tag.pass reads of 0', 0, (e) => (e.reads = 0), '/events/0/reads'],
    ['tag.pass antenna id 0', 0, (e) => ((e.antennas as Record<string, unknown>[])[1]!.antenna = 0), '/events/0/antennas/1/antenna'],
    ['tag.pass lastSeen before firstSeen', 0, (e) => (e.lastSeen = '2025-11-22T10:02:05Z'), '/events/0/lastSeen'],
    ['tag.arrive without zone', 1, (e) => delete e.zone, '/events/1/zone'],
    ['tag.depart with an unknown key', 2, (e) => (e.door = 'door-1'), '/events/2/door'],
    ['scan gtin of 13 digits', 3, (e) => (e.gtin = '4012345678901'), '/events/3/gtin'],
    ['scan qty 0', 3, (e) => (e.qty = 0), '/events/3/qty'],
    ['scan without codeType', 3, (e) => delete e.codeType, '/events/3/codeType'],
    ['scan context without scannedAt', 3, (e) => delete (e.context as Record<string, unknown>[])[0]!.scannedAt, '/events/3/context/0/scannedAt'],
    ['door state ajar', 4, (e) => (e.state = 'ajar'), '/events/4/state'],
    ['reader state unknown', 5, (e) => (e.state = 'exploded'), '/events/5/state'],
    ['reader id with upper case', 5, (e) => (e.reader = 'Portal-1'), '/events/5/reader'],
    ['scanner without state', 6, (e) => delete e.state, '/events/6/state'],
    ['gap count not matching its range', 7, (e) => (e.count = 49), '/events/7/count'],
    ['gap toSeq before fromSeq', 7, (e) => (e.toSeq = 99), '/events/7/toSeq'],
    ['event id not a UUIDv7', 6, (e) => (e.id = '019aab5c-1007-4007-8000-000000000007'), '/events/6/id'],
    ['event ts without Z', 2, (e) => (e.ts = '2025-11-22T10:02:07.123'), '/events/2/ts'],
    ['event ts with month 13', 2, (e) => (e.ts = '2025-13-22T10:02:07.123Z'), '/events/2/ts'],
    ['seq of 0', 0, (e) => (e.seq = 0), '/events/0/seq'],
    ['seq not a number', 1, (e) => (e.seq = '2'), '/events/1/seq'],
    ['seq repeated', 4, (e) => (e.seq = 4), '/events/4/seq'],
    ['event stream differs from the batch', 5, (e) => (e.stream = 'another-stream'), '/events/5/stream'],
    ['unknown kind', 5, (e) => (e.kind = 'tag.teleport'), '/events/5/kind'],
    ['kind naming an Object.prototype member', 5, (e) => (e.kind = 'constructor'), '/events/5/kind'],
  ];
  it.each(cases)('%s', (_name, index, patch, path) => {
    const r = withEvent(index, patch);
    expect(r).toMatchObject({ ok: false, reason: 'schema' });
    expect(paths(r)).toContain(path);
    for (const e of errorsOf(r)) expect(e.message).not.toMatch(/validator failed/);
  });

  it('reports the bad events of a batch, each under its own index, and no error for the good ones', () => {
    const b = exampleBatch() as unknown as { events: Record<string, unknown>[] };
    delete b.events[1]!.epc;
    b.events[6]!.state = 42;
    const p = paths(parse(T.events, bytes(b)));
    expect(p).toContain('/events/1/epc');
    expect(p).toContain('/events/6/state');
    expect(p.every((x) => x.startsWith('/events/1/') || x.startsWith('/events/6/'))).toBe(true);
  });

  it('says which kinds exist when the kind is unknown', () => {
    const r = withEvent(0, (e) => (e.kind = 'tag.teleport'));
    expect(errorsOf(r)[0]!.message).toBe(`unknown event kind "tag.teleport"; expected one of ${EVENT_KINDS.join(', ')}`);
  });
});

describe('invalid batch envelopes', () => {
  const cases: [string, unknown, string, string | RegExp][] = [
    ['events missing', { v: 1, gateway: EXAMPLE_GATEWAY, stream: 'Zq3uX9f2Kp0aLm7d' }, '/events', /required/i],
    ['events empty', { ...exampleBatch(), events: [] }, '/events', 'a batch must carry at least one event'],
    ['events an object', { ...exampleBatch(), events: {} }, '/events', /array/i],
    ['stream too short', { ...exampleBatch(), stream: 'short' }, '/stream', "Expected string to match '^[A-Za-z0-9_-]{8,64}$'"],
    ['unknown key', { ...exampleBatch(), extra: true }, '/extra', /unexpected property/i],
    ['gateway differs from the topic', { ...exampleBatch(), gateway: 'dock-west' }, '/gateway', "gateway dock-west does not match the topic's gateway dock-east"],
    ['an event that is not an object', { ...exampleBatch(), events: [42] }, '/events/0', 'an event must be a JSON object'],
  ];
  it.each(cases)('%s', (_name, payload, path, message) => {
    const r = parse(T.events, bytes(payload));
    expect(r).toMatchObject({ ok: false, reason: 'schema' });
    const err = errorsOf(r).find((e) => e.path === path);
    expect(err, describeErrors(errorsOf(r))).toBeDefined();
    if (typeof message === 'string') expect(err!.message).toBe(message);
    else expect(err!.message).toMatch(message);
  });

  it('refuses more than 5000 events', () => {
    const one = exampleEvents()[4]!;
    const events = Array.from({ length: 5001 }, (_, i) => ({ ...one, seq: i + 1 }));
    const r = parse(T.events, bytes({ ...exampleBatch(), events }));
    expect(errorsOf(r)).toContainEqual({ path: '/events', message: 'a batch may carry at most 5000 events, got 5001' });
  });

  it('caps the number of errors it reports', () => {
    const events = Array.from({ length: 100 }, (_, i) => ({ seq: i + 1 }));
    expect(errorsOf(parse(T.events, bytes({ ...exampleBatch(), events }))).length).toBeLessThanOrEqual(20);
  });
});

describe('status and commands', () => {
  it('rejects a status whose gateway differs from the topic', () => {
    const r = parse(T.status, bytes({ ...exampleGatewayStatus(), gateway: 'dock-west' }));
    expect(errorsOf(r)).toEqual([{ path: '/gateway', message: "gateway dock-west does not match the topic's gateway dock-east" }]);
  });

  it('rejects bad status fields by path', () => {
    const s = exampleGatewayStatus() as unknown as Record<string, Record<string, unknown>[] & Record<string, unknown>>;
    s.readers![0]!.state = 'melting';
    s.outbox!.depth = -1;
    const p = paths(parse(T.status, bytes(s)));
    expect(p).toContain('/readers/0/state');
    expect(p).toContain('/outbox/depth');
    expect(paths(parse(T.status, bytes({ v: 1, gateway: EXAMPLE_GATEWAY })))).toContain('/online');
    expect(paths(parse(T.hub, bytes({ v: 1, online: 'yes' })))).toContain('/online');
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['light with an unknown colour', { cmd: 'light', door: 'door-1', color: 'blue' }, '/color'],
    ['light without door', { cmd: 'light', color: 'red' }, '/door'],
    ['horn longer than a minute', { cmd: 'horn', door: 'door-1', durationMs: 60_001 }, '/durationMs'],
    ['horn without duration', { cmd: 'horn', door: 'door-1' }, '/durationMs'],
    ['gpo.set with state as a string', { cmd: 'gpo.set', reader: 'portal-1', port: 1, state: 'on' }, '/state'],
    ['gpo.set port 0', { cmd: 'gpo.set', reader: 'portal-1', port: 0, state: true }, '/port'],
    ['reader.restart without reader', { cmd: 'reader.restart' }, '/reader'],
    ['door.mode with an unknown mode', { cmd: 'door.mode', door: 'door-1', mode: 'party' }, '/mode'],
    ['status.report with an extra key', { cmd: 'status.report', door: 'door-1' }, '/door'],
    ['an unknown command', { cmd: 'self-destruct' }, '/cmd'],
  ];
  it.each(bad)('rejects %s', (_name, body, path) => {
    const { v, id, ts } = exampleCommands()[0]!;
    const r = parse(T.cmd, bytes({ v, id, ts, ...body }));
    expect(r).toMatchObject({ ok: false, reason: 'schema' });
    expect(paths(r)).toContain(path);
  });

  it('lists the known commands when the command is unknown', () => {
    const r = parse(T.cmd, bytes({ v: 1, cmd: 'self-destruct' }));
    expect(errorsOf(r)[0]!.message).toBe('unknown command "self-destruct"; expected one of light, horn, gpo.set, reader.restart, door.mode, status.report');
  });

  it('requires id and ts on commands', () => {
    const p = paths(parse(T.cmd, bytes({ v: 1, cmd: 'status.report' })));
    expect(p).toEqual(expect.arrayContaining(['/id', '/ts']));
  });
});

describe('version, encoding, topic', () => {
  it('refuses an unknown newer v with a clear reason, whatever else the payload holds', () => {
    const r = parse(T.events, bytes({ ...exampleBatch(), v: WIRE_VERSION + 1, newField: { anything: true } }));
    expect(r).toMatchObject({ ok: false, reason: 'version', topic: { kind: 'events', gateway: EXAMPLE_GATEWAY } });
    expect(errorsOf(r)).toEqual([
      { path: '/v', message: `unsupported wire version ${WIRE_VERSION + 1}: this build understands up to ${WIRE_VERSION}; upgrade the receiver` },
    ]);
    expect(parse(T.cmd, bytes({ v: 7, cmd: 'future' }))).toMatchObject({ ok: false, reason: 'version' });
  });

  it('treats a missing or malformed v as a schema error, not a version', () => {
    for (const v of [undefined, 0, -1, 1.5, '1', null]) {
      const r = parse(T.status, bytes({ ...exampleGatewayStatus(), v }));
      expect(r).toMatchObject({ ok: false, reason: 'schema' });
      expect(paths(r)).toEqual(['/v']);
    }
  });

  it('refuses non-UTF-8, non-JSON and non-object payloads', () => {
    expect(parse(T.events, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toMatchObject({ ok: false, reason: 'encoding' });
    expect(parse(T.events, Buffer.from('{"v":1,'))).toMatchObject({ ok: false, reason: 'json' });
    expect(parse(T.events, Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'json' });
    for (const v of [[], 'x', 3, null, true]) {
      const r = parse(T.events, bytes(v));
      expect(r).toMatchObject({ ok: false, reason: 'schema', errors: [{ path: '', message: 'payload must be a JSON object' }] });
    }
  });

  it('refuses payloads above 4 MiB before decoding them', () => {
    const r = parse(T.events, Buffer.alloc(4 * 1024 * 1024 + 1, 0x20));
    expect(r).toMatchObject({ ok: false, reason: 'json' });
    expect(errorsOf(r)[0]!.message).toMatch(/exceeds the 4194304-byte limit/);
  });

  it('refuses topics that are not ours', () => {
    for (const t of ['dockgate/acme/gw/g1/other', 'other/acme/gw/g1/events', 'dockgate/Acme/gw/g1/events', 'dockgate/acme/gw/+/events', 'dockgate/acme/hub']) {
      const r = parse(t, bytes(exampleBatch()));
      expect(r).toMatchObject({ ok: false, reason: 'topic' });
      expect(errorsOf(r)[0]!.message).toBe(`topic ${JSON.stringify(t)} is not a dockgate topic`);
    }
  });

  it('reads the payload by the topic: a batch on the status topic is not a status', () => {
    expect(parse(T.status, bytes(exampleBatch())).ok).toBe(false);
    expect(parse(T.cmd, bytes(exampleGatewayStatus())).ok).toBe(false);
  });
});
