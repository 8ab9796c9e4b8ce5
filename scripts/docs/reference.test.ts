import { describe, expect, it } from 'vitest';
import { currentReference, generateReference } from './reference.js';

describe("the operator's guide reference", () => {
  it('lists exactly the endpoints and metrics a hub and a gateway have (regenerate: npx tsx scripts/docs/reference.ts --write)', async () => {
    expect(currentReference()).toBe(await generateReference());
  });
});
