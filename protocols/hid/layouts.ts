// protocols/hid — keyboard layouts: HID keyboard usage id (page 0x07) + shift/AltGr → character, for US and DE.

export type LayoutName = 'us' | 'de';

/** [unshifted, shifted] per usage id; AltGr table separately. */
export interface Layout {
  keys: ReadonlyMap<number, readonly [string, string]>;
  altGr: ReadonlyMap<number, string>;
}

function base(): Map<number, [string, string]> {
  const m = new Map<number, [string, string]>();
  for (let i = 0; i < 26; i++) m.set(0x04 + i, [String.fromCharCode(97 + i), String.fromCharCode(65 + i)]);
  m.set(0x2c, [' ', ' ']);
  m.set(0x2b, ['\t', '\t']);
  // keypad (Num Lock on, as scanners assume)
  const kp: Array<[number, string]> = [
    [0x54, '/'], [0x55, '*'], [0x56, '-'], [0x57, '+'], [0x59, '1'], [0x5a, '2'], [0x5b, '3'], [0x5c, '4'],
    [0x5d, '5'], [0x5e, '6'], [0x5f, '7'], [0x60, '8'], [0x61, '9'], [0x62, '0'], [0x63, '.'],
  ];
  for (const [u, c] of kp) m.set(u, [c, c]);
  return m;
}

function us(): Layout {
  const m = base();
  const digits = '1234567890';
  const shifted = '!@#$%^&*()';
  for (let i = 0; i < 10; i++) m.set(0x1e + i, [digits[i]!, shifted[i]!]);
  const rest: Array<[number, string, string]> = [
    [0x2d, '-', '_'], [0x2e, '=', '+'], [0x2f, '[', '{'], [0x30, ']', '}'], [0x31, '\\', '|'], [0x32, '\\', '|'],
    [0x33, ';', ':'], [0x34, "'", '"'], [0x35, '`', '~'], [0x36, ',', '<'], [0x37, '.', '>'], [0x38, '/', '?'], [0x64, '\\', '|'],
  ];
  for (const [u, a, b] of rest) m.set(u, [a, b]);
  return { keys: m, altGr: new Map() };
}

function de(): Layout {
  const m = base();
  // QWERTZ: Y and Z swap places
  m.set(0x1c, ['z', 'Z']);
  m.set(0x1d, ['y', 'Y']);
  const digits = '1234567890';
  const shifted = '!"§$%&/()=';
  for (let i = 0; i < 10; i++) m.set(0x1e + i, [digits[i]!, shifted[i]!]);
  const rest: Array<[number, string, string]> = [
    [0x2d, 'ß', '?'], [0x2e, '´', '`'], [0x2f, 'ü', 'Ü'], [0x30, '+', '*'], [0x31, '#', "'"], [0x32, '#', "'"],
    [0x33, 'ö', 'Ö'], [0x34, 'ä', 'Ä'], [0x35, '^', '°'], [0x36, ',', ';'], [0x37, '.', ':'], [0x38, '-', '_'], [0x64, '<', '>'],
  ];
  for (const [u, a, b] of rest) m.set(u, [a, b]);
  const altGr = new Map<number, string>([
    [0x14, '@'], [0x08, '€'], [0x10, 'µ'], [0x1f, '²'], [0x20, '³'], [0x24, '{'], [0x25, '['], [0x26, ']'], [0x27, '}'],
    [0x2d, '\\'], [0x30, '~'], [0x64, '|'],
  ]);
  return { keys: m, altGr };
}

export const LAYOUTS: Readonly<Record<LayoutName, Layout>> = { us: us(), de: de() };
