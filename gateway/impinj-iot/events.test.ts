// gateway/impinj-iot — the IoT Device Interface's stream lines and preset, against events written by code we did not
// write and the published model shapes.
import { describe, expect, it } from 'vitest';
import { errorText, parseStreamLine, presetOf } from './events.js';

// The simulated tag event of reelyactive/barnowl-impinj (lib/testlistener.js), an R700 IoT-interface consumer.
const BARNOWL_EVENT = {
  timestamp: '2022-11-03T14:15:16.789Z',
  hostname: 'impinj-01-23-45',
  eventType: 'tagInventory',
  tagInventoryEvent: {
    epc: 'ftqQOAUQAnEAAsCu',
    epcHex: '7EDA9038051002710002C0AE',
    tid: '4oARcCAAFM2bWgjs',
    tidHex: 'E2801170200014CD9B5A08EC',
    pc: 'NAA=',
    antennaPort: 1,
    antennaName: 'ANTENNA-NAME',
    peakRssiCdbm: -7000,
    frequency: 927250,
    transmitPowerCdbm: 3000,
    lastSeenTime: '2022-11-03T14:15:16.700Z',
    phaseAngle: 69.0,
  },
};

describe('impinj-iot stream lines', () => {
  it('maps a tagInventory event (barnowl-impinj fixture) to a read timed by the reader, mapped by the clock offset', () => {
    const arrival = Date.parse('2022-11-03T14:15:17.000Z');
    const samples: Array<[number, number]> = [];
    const item = parseStreamLine(JSON.stringify(BARNOWL_EVENT), 'r700', arrival, 2000, (r, a) => samples.push([r, a]));
    expect(item).toEqual({
      kind: 'tag',
      read: { reader: 'r700', antenna: 1, epc: '7eda9038051002710002c0ae', tid: 'e2801170200014cd9b5a08ec', rssi: -70, readerTs: Date.parse('2022-11-03T14:15:16.700Z'), ts: Date.parse('2022-11-03T14:15:16.700Z') - 2000, arrival, count: 1 },
    });
    expect(samples).toEqual([[Date.parse(BARNOWL_EVENT.timestamp), arrival]]);
    // before the offset is known, the arrival is the time
    const early = parseStreamLine(JSON.stringify(BARNOWL_EVENT), 'r700', arrival, undefined);
    expect(early.kind === 'tag' && early.read.ts).toBe(arrival);
    // an offset measured on slower messages would put the read after its arrival: it is held at its arrival
    const late = parseStreamLine(JSON.stringify(BARNOWL_EVENT), 'r700', arrival, -1000);
    expect(late.kind === 'tag' && late.read.ts).toBe(arrival);
  });

  it('maps GPI transitions, keep-alives and other events; names what is wrong with a bad line', () => {
    expect(parseStreamLine('{"timestamp":"2024-01-01T00:00:00Z","eventType":"gpiTransition","gpiTransitionEvent":{"gpi":2,"transition":"low-to-high"}}', 'r', 5, 0)).toEqual({ kind: 'gpi', change: { reader: 'r', port: 2, state: true, ts: 5 } });
    expect(parseStreamLine('\r', 'r', 5, 0)).toEqual({ kind: 'keepalive' });
    expect(parseStreamLine('{"timestamp":"2024-01-01T00:00:00Z","eventType":"antennaConnected","antennaConnectedEvent":{"antennaPort":1}}', 'r', 5, 0)).toEqual({ kind: 'other', eventType: 'antennaConnected' });
    expect(parseStreamLine('{"eventType":"inventoryStatus","inventoryStatusEvent":{"inventoryStatus":"running"}}', 'r', 5, 0)).toEqual({ kind: 'inventory', running: true });
    const bad = (line: string) => {
      const x = parseStreamLine(line, 'r', 5, 0);
      return x.kind === 'bad' ? x.reason : `not bad: ${x.kind}`;
    };
    expect(bad('{"eventType":"tagInv')).toMatch(/^a stream line that is not JSON/);
    expect(bad('[1]')).toBe('a stream line that is not a JSON object');
    expect(bad('{"timestamp":"x"}')).toBe('an event without eventType');
    expect(bad('{"eventType":"tagInventory","tagInventoryEvent":{"epcHex":"ABC","antennaPort":1}}')).toBe('tagInventoryEvent.epcHex "ABC" is not whole bytes of hex');
    expect(bad('{"eventType":"tagInventory","tagInventoryEvent":{"epcHex":"AB","antennaPort":0}}')).toBe('tagInventoryEvent.antennaPort 0 is not a port number');
    expect(bad('{"eventType":"gpiTransition","gpiTransitionEvent":{"gpi":1,"transition":"up"}}')).toMatch(/^gpiTransitionEvent without/);
  });
});

describe('impinj-iot preset and errors', () => {
  it('builds the InventoryPreset: per-antenna power in cdBm, RF mode, session, search mode, population, the report fields', () => {
    const p = presetOf({ antennas: [{ port: 1, powerDbm: 27.5 }, { port: 2 }], rfMode: 1111, session: 2, searchMode: 'single-target', tagPopulation: 64, powerDbm: 30 }) as {
      antennaConfigs: Array<Record<string, unknown>>;
      eventConfig: { tagInventory: Record<string, unknown> };
    };
    expect(p.antennaConfigs).toEqual([
      { antennaPort: 1, transmitPowerCdbm: 2750, rfMode: 1111, inventorySession: 2, inventorySearchMode: 'single-target', estimatedTagPopulation: 64 },
      { antennaPort: 2, transmitPowerCdbm: 3000, rfMode: 1111, inventorySession: 2, inventorySearchMode: 'single-target', estimatedTagPopulation: 64 },
    ]);
    expect(p.eventConfig.tagInventory).toMatchObject({ epcHex: 'enabled', antennaPort: 'enabled', peakRssiCdbm: 'enabled', lastSeenTime: 'enabled' });
    expect(() => presetOf({ antennas: [{ port: 1 }], session: 4 })).toThrow('impinj-iot preset: session must be 0–3, got 4');
    expect(() => presetOf({ antennas: [{ port: 1 }], searchMode: 'triple' as never })).toThrow(/searchMode triple is not one of/);
    expect(() => presetOf({ antennas: [] })).toThrow('at least one antenna');
  });

  it('renders the ErrorResponse body (message, invalidPropertyId, detail), or the raw text', () => {
    expect(errorText(400, 'Bad Request', '{"message":"transmitPowerCdbm must be 1000–3300","invalidPropertyId":"/antennaConfigs/0/transmitPowerCdbm"}')).toBe(
      '400 Bad Request: transmitPowerCdbm must be 1000–3300 (property /antennaConfigs/0/transmitPowerCdbm)',
    );
    expect(errorText(403, 'Forbidden', '{"message":"No preset is running","detail":"idle"}')).toBe('403 Forbidden: No preset is running: idle');
    expect(errorText(502, 'Bad Gateway', '<html>proxy</html>')).toBe('502 Bad Gateway: <html>proxy</html>');
  });
});
