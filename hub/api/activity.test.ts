// The API's request activity over real HTTP: a request marks the clock when it arrives and when it has been answered,
// an error answer too, and within(ms) says whether that was less than ms ago.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestActivity } from './activity.js';

describe('RequestActivity', () => {
  let now = 1_000;
  const activity = new RequestActivity(() => now);
  const app = Fastify();
  let url = '';
  let seenInHandler: boolean | undefined;

  beforeAll(async () => {
    await activity.install(app);
    app.get('/slow', async () => {
      seenInHandler = activity.within(1); // marked on arrival, at this same instant
      now += 100; // the handler takes 100 ms of the clock
      return { ok: true };
    });
    app.get('/fails', async () => {
      now += 100;
      throw new Error('no');
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it('is quiet before any request', () => {
    expect(activity.within(1_000_000)).toBe(false);
  });

  it('marks a request when it arrives and when it has been answered', async () => {
    expect((await fetch(`${url}/slow`)).status).toBe(200);
    expect(seenInHandler).toBe(true);
    expect(activity.within(1)).toBe(true); // the answer marked the clock after the handler's 100 ms
    now += 5;
    expect(activity.within(5)).toBe(false);
    expect(activity.within(6)).toBe(true);
  });

  it('marks an answer that is an error, and an unknown route', async () => {
    now += 1_000;
    expect((await fetch(`${url}/fails`)).status).toBe(500);
    expect(activity.within(1)).toBe(true);
    now += 1_000;
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    expect(activity.within(1)).toBe(true);
  });
});
