// protocols/events — tests of topic builders and parseTopic.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TopicIdError, isValidId, parseTopic, topics } from './topics.js';

const idArb = fc.stringMatching(/^[a-z0-9-]{1,64}$/);

describe('topic builders', () => {
  it('build the topics of the design', () => {
    expect(topics.events('acme-dc1', 'dock-east')).toBe('dockgate/acme-dc1/gw/dock-east/events');
    expect(topics.status('acme-dc1', 'dock-east')).toBe('dockgate/acme-dc1/gw/dock-east/status');
    expect(topics.cmd('acme-dc1', 'dock-east')).toBe('dockgate/acme-dc1/gw/dock-east/cmd');
    expect(topics.hubStatus('acme-dc1')).toBe('dockgate/acme-dc1/hub/status');
    expect(topics.allEvents('acme-dc1')).toBe('dockgate/acme-dc1/gw/+/events');
    expect(topics.allStatus('acme-dc1')).toBe('dockgate/acme-dc1/gw/+/status');
  });

  it.each([['Acme'], [''], ['a/b'], ['+'], ['#'], ['dock east'], ['dock_east'], ['döck'], ['a'.repeat(65)]])('reject the id %j', (bad) => {
    expect(() => topics.events(bad, 'gw')).toThrow(TopicIdError);
    expect(() => topics.events('site', bad)).toThrow(`gateway id ${JSON.stringify(bad)} is not allowed in a topic: use [a-z0-9-]+`);
    expect(() => topics.status('site', bad)).toThrow(TopicIdError);
    expect(() => topics.cmd('site', bad)).toThrow(TopicIdError);
    expect(() => topics.hubStatus(bad)).toThrow(`site id ${JSON.stringify(bad)} is not allowed in a topic: use [a-z0-9-]+`);
    expect(() => topics.allEvents(bad)).toThrow(TopicIdError);
    expect(isValidId(bad)).toBe(false);
  });

  it('accept exactly the ids matching [a-z0-9-]{1,64}', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (s) => {
        expect(isValidId(s)).toBe(/^[a-z0-9-]{1,64}$/.test(s));
      }),
    );
  });
});

describe('parseTopic', () => {
  it('round-trips every built topic', () => {
    fc.assert(
      fc.property(idArb, idArb, (site, gateway) => {
        expect(parseTopic(topics.events(site, gateway))).toEqual({ kind: 'events', site, gateway });
        expect(parseTopic(topics.status(site, gateway))).toEqual({ kind: 'status', site, gateway });
        expect(parseTopic(topics.cmd(site, gateway))).toEqual({ kind: 'cmd', site, gateway });
        expect(parseTopic(topics.ack(site, gateway))).toEqual({ kind: 'ack', site, gateway });
        expect(parseTopic(topics.hubStatus(site))).toEqual({ kind: 'hub-status', site });
      }),
    );
  });

  it.each([
    ['dockgate/acme/gw/+/events'],
    ['dockgate/acme/gw/#'],
    ['dockgate/acme/gw/g1/events/extra'],
    ['dockgate/acme/gw/g1'],
    ['dockgate/acme/hub/status/x'],
    ['dockgate/acme/hub/cmd'],
    ['/dockgate/acme/gw/g1/events'],
    ['dockgate//gw/g1/events'],
    ['dockgate/ACME/gw/g1/events'],
    ['DockGate/acme/gw/g1/events'],
    [''],
  ])('returns undefined for %j', (t) => {
    expect(parseTopic(t)).toBeUndefined();
  });

  it('never throws and only accepts what it can rebuild', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.oneof(fc.constantFrom('dockgate', 'gw', 'hub', 'events', 'status', 'cmd', '+'), idArb), { maxLength: 6 }).map((p) => p.join('/'))), (t) => {
        const p = parseTopic(t);
        if (!p) return;
        const rebuilt = p.kind === 'hub-status' ? topics.hubStatus(p.site) : topics[p.kind](p.site, p.gateway);
        expect(rebuilt).toBe(t);
      }),
    );
  });
});
