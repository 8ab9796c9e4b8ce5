import { describe, expect, it } from 'vitest';
import { publishRefusal, subscribeRefusal, topicMatches, willRefusal, type Principal } from './acl.js';

const gw: Principal = { role: 'gateway', gateway: 'gw-1' };
const hub: Principal = { role: 'hub', username: 'hub' };

describe('ACL rules', () => {
  it('a gateway publishes only its own events and status', () => {
    expect(publishRefusal('s1', gw, 'dockgate/s1/gw/gw-1/events')).toBeUndefined();
    expect(publishRefusal('s1', gw, 'dockgate/s1/gw/gw-1/status')).toBeUndefined();
    expect(publishRefusal('s1', gw, 'dockgate/s1/gw/gw-2/events')).toMatch(/gateway gw-1 may publish only to dockgate\/s1\/gw\/gw-1\/events/);
    expect(publishRefusal('s1', gw, 'dockgate/s1/gw/gw-1/cmd')).toBeDefined();
    expect(publishRefusal('s1', gw, 'dockgate/s2/gw/gw-1/events')).toBeDefined();
    expect(publishRefusal('s1', gw, 'dockgate/s1/hub/status')).toBeDefined();
    expect(publishRefusal('s1', gw, '$SYS/x')).toBeDefined();
  });

  it('a gateway subscribes only to its own cmd and ack, without wildcards', () => {
    expect(subscribeRefusal('s1', gw, 'dockgate/s1/gw/gw-1/cmd')).toBeUndefined();
    expect(subscribeRefusal('s1', gw, 'dockgate/s1/gw/gw-1/ack')).toBeUndefined();
    expect(subscribeRefusal('s1', gw, 'dockgate/s1/gw/gw-2/ack')).toMatch(/may subscribe only to dockgate\/s1\/gw\/gw-1\/cmd and dockgate\/s1\/gw\/gw-1\/ack, not dockgate\/s1\/gw\/gw-2\/ack/);
    expect(subscribeRefusal('s1', gw, 'dockgate/s1/gw/+/ack')).toBeDefined();
    expect(subscribeRefusal('s1', gw, 'dockgate/s1/gw/gw-2/cmd')).toMatch(/may subscribe only to dockgate\/s1\/gw\/gw-1\/cmd/);
    expect(subscribeRefusal('s1', gw, 'dockgate/s1/gw/+/cmd')).toBeDefined();
    expect(subscribeRefusal('s1', gw, '#')).toBeDefined();
  });

  it('a gateway Last Will goes only to its own status', () => {
    expect(willRefusal('s1', gw, 'dockgate/s1/gw/gw-1/status')).toBeUndefined();
    expect(willRefusal('s1', gw, 'dockgate/s1/gw/gw-2/status')).toBeDefined();
  });

  it('the hub may do all but write $SYS', () => {
    expect(publishRefusal('s1', hub, 'dockgate/s1/gw/gw-2/cmd')).toBeUndefined();
    expect(subscribeRefusal('s1', hub, '#')).toBeUndefined();
    expect(willRefusal('s1', hub, 'anything')).toBeUndefined();
    expect(publishRefusal('s1', hub, '$SYS/broker')).toBeDefined();
  });

  it('matches topic filters like an MQTT broker', () => {
    expect(topicMatches('dockgate/s1/gw/+/events', 'dockgate/s1/gw/gw-9/events')).toBe(true);
    expect(topicMatches('dockgate/s1/gw/+/events', 'dockgate/s1/gw/gw-9/status')).toBe(false);
    expect(topicMatches('dockgate/s1/gw/+/events', 'dockgate/s1/gw/gw-9/events/x')).toBe(false);
    expect(topicMatches('dockgate/#', 'dockgate/s1/gw/gw-9/events')).toBe(true);
    expect(topicMatches('dockgate/#', 'dockgate')).toBe(true);
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(topicMatches('+/x', '$SYS/x')).toBe(false);
    expect(topicMatches('a/b', 'a/b')).toBe(true);
    expect(topicMatches('a/+', 'a')).toBe(false);
  });
});
