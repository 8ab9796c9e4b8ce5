// protocols/epc — the EPC binary schemes this module speaks: headers, partition tables and field layouts (GS1 TDS 2.x §14).

export type EpcScheme =
  | 'sgtin-96' | 'sgtin-198' | 'sscc-96' | 'sgln-96' | 'sgln-195' | 'grai-96' | 'grai-170' | 'giai-96' | 'giai-202'
  | 'gdti-96' | 'gsrn-96' | 'gsrnp-96' | 'sgcn-96' | 'cpi-96' | 'gid-96';
export type EpcIdentity = 'sgtin' | 'sscc' | 'sgln' | 'grai' | 'giai' | 'gdti' | 'gsrn' | 'gsrnp' | 'sgcn' | 'cpi' | 'gid';

/** One row of a partition table: the company prefix field and the field after it (bits, decimal digits). */
export interface PartitionRow {
  cBits: number;
  cDigits: number;
  rBits: number;
  /** Digits of the second field; for string fields (GIAI-202), its maximum number of characters. */
  rDigits: number;
}

/**
 * How the field after the company prefix is encoded:
 * padded = integer rendered with exactly rDigits digits; unpadded = integer without leading zeros (GIAI-96);
 * string = 7-bit characters (GIAI-202).
 */
export type ReferenceKind = 'padded' | 'unpadded' | 'string';

/** What follows the partitioned fields. */
export type Tail =
  | { kind: 'none' }
  | { kind: 'int'; bits: number }
  | { kind: 'string'; bits: number; maxChars: number }
  /** A numeric string that may start with zeros, stored as the integer of "1" + digits (SGCN-96 serial, TDS §14.5.12). */
  | { kind: 'digits'; bits: number; maxDigits: number }
  | { kind: 'reserved'; bits: number };

export interface SchemeDef {
  scheme: EpcScheme;
  identity: EpcIdentity;
  header: number;
  bits: number;
  partitions: readonly PartitionRow[];
  reference: ReferenceKind;
  tail: Tail;
}

const rows = (t: ReadonlyArray<readonly [number, number, number, number]>): PartitionRow[] =>
  t.map(([cBits, cDigits, rBits, rDigits]) => ({ cBits, cDigits, rBits, rDigits }));

/** TDS Table 14-2 (SGTIN) — also GRAI (Table 14-12): 44 bits, 13 digits for SGTIN, 12 for GRAI. */
const SGTIN_P = rows([
  [40, 12, 4, 1],
  [37, 11, 7, 2],
  [34, 10, 10, 3],
  [30, 9, 14, 4],
  [27, 8, 17, 5],
  [24, 7, 20, 6],
  [20, 6, 24, 7],
]);
const GRAI_P = rows([
  [40, 12, 4, 0],
  [37, 11, 7, 1],
  [34, 10, 10, 2],
  [30, 9, 14, 3],
  [27, 8, 17, 4],
  [24, 7, 20, 5],
  [20, 6, 24, 6],
]);
/** TDS Table 14-5 (SSCC): 58 bits, 17 digits. */
const SSCC_P = rows([
  [40, 12, 18, 5],
  [37, 11, 21, 6],
  [34, 10, 24, 7],
  [30, 9, 28, 8],
  [27, 8, 31, 9],
  [24, 7, 34, 10],
  [20, 6, 38, 11],
]);
/** TDS Table 14-8 (SGLN): 41 bits, 12 digits. */
const SGLN_P = rows([
  [40, 12, 1, 0],
  [37, 11, 4, 1],
  [34, 10, 7, 2],
  [30, 9, 11, 3],
  [27, 8, 14, 4],
  [24, 7, 17, 5],
  [20, 6, 21, 6],
]);
/** TDS Table 14-17 (GIAI-96): 82 bits; the reference is an integer without leading zeros. */
const GIAI96_P = rows([
  [40, 12, 42, 13],
  [37, 11, 45, 14],
  [34, 10, 48, 15],
  [30, 9, 52, 16],
  [27, 8, 55, 17],
  [24, 7, 58, 18],
  [20, 6, 62, 19],
]);
/** TDS Table 14-18 (GIAI-202): 188 bits; the reference is a string of at most 30 − company digits characters. */
const GIAI202_P = rows([
  [40, 12, 148, 18],
  [37, 11, 151, 19],
  [34, 10, 154, 20],
  [30, 9, 158, 21],
  [27, 8, 161, 22],
  [24, 7, 164, 23],
  [20, 6, 168, 24],
]);

/** TDS Table 14-25 (CPI-96): 51 bits; the part reference is an integer without leading zeros. */
const CPI96_P = rows([
  [40, 12, 11, 3],
  [37, 11, 14, 4],
  [34, 10, 17, 5],
  [30, 9, 21, 6],
  [27, 8, 24, 7],
  [24, 7, 27, 8],
  [20, 6, 31, 9],
]);

/**
 * GID-96 (TDS §14.5.7) has no filter and no partition: General Manager Number 28 bits, Object Class 24 bits, Serial 36
 * bits, each an integer without leading zeros. Its one row gives those widths (digits: at most 9, 8); decode.ts and
 * encode.ts read it without filter and partition.
 */
const GID_P = rows([[28, 9, 24, 8]]);

export const SCHEMES: readonly SchemeDef[] = [
  { scheme: 'sgtin-96', identity: 'sgtin', header: 0x30, bits: 96, partitions: SGTIN_P, reference: 'padded', tail: { kind: 'int', bits: 38 } },
  { scheme: 'sgtin-198', identity: 'sgtin', header: 0x36, bits: 198, partitions: SGTIN_P, reference: 'padded', tail: { kind: 'string', bits: 140, maxChars: 20 } },
  { scheme: 'sscc-96', identity: 'sscc', header: 0x31, bits: 96, partitions: SSCC_P, reference: 'padded', tail: { kind: 'reserved', bits: 24 } },
  { scheme: 'sgln-96', identity: 'sgln', header: 0x32, bits: 96, partitions: SGLN_P, reference: 'padded', tail: { kind: 'int', bits: 41 } },
  { scheme: 'sgln-195', identity: 'sgln', header: 0x39, bits: 195, partitions: SGLN_P, reference: 'padded', tail: { kind: 'string', bits: 140, maxChars: 20 } },
  { scheme: 'grai-96', identity: 'grai', header: 0x33, bits: 96, partitions: GRAI_P, reference: 'padded', tail: { kind: 'int', bits: 38 } },
  { scheme: 'grai-170', identity: 'grai', header: 0x37, bits: 170, partitions: GRAI_P, reference: 'padded', tail: { kind: 'string', bits: 112, maxChars: 16 } },
  { scheme: 'giai-96', identity: 'giai', header: 0x34, bits: 96, partitions: GIAI96_P, reference: 'unpadded', tail: { kind: 'none' } },
  { scheme: 'giai-202', identity: 'giai', header: 0x38, bits: 202, partitions: GIAI202_P, reference: 'string', tail: { kind: 'none' } },
  { scheme: 'gdti-96', identity: 'gdti', header: 0x2c, bits: 96, partitions: SGLN_P, reference: 'padded', tail: { kind: 'int', bits: 41 } },
  { scheme: 'gsrn-96', identity: 'gsrn', header: 0x2d, bits: 96, partitions: SSCC_P, reference: 'padded', tail: { kind: 'reserved', bits: 24 } },
  { scheme: 'gsrnp-96', identity: 'gsrnp', header: 0x2e, bits: 96, partitions: SSCC_P, reference: 'padded', tail: { kind: 'reserved', bits: 24 } },
  { scheme: 'sgcn-96', identity: 'sgcn', header: 0x3f, bits: 96, partitions: SGLN_P, reference: 'padded', tail: { kind: 'digits', bits: 41, maxDigits: 12 } },
  { scheme: 'cpi-96', identity: 'cpi', header: 0x3c, bits: 96, partitions: CPI96_P, reference: 'unpadded', tail: { kind: 'int', bits: 31 } },
  { scheme: 'gid-96', identity: 'gid', header: 0x35, bits: 96, partitions: GID_P, reference: 'unpadded', tail: { kind: 'int', bits: 36 } },
];

// Invariant: every row of every scheme fills exactly the scheme's bits.
for (const s of SCHEMES) {
  const tailBits = s.tail.kind === 'none' ? 0 : s.tail.bits;
  const filterAndPartition = s.identity === 'gid' ? 0 : 3 + 3;
  for (const p of s.partitions) {
    if (8 + filterAndPartition + p.cBits + p.rBits + tailBits !== s.bits) throw new Error(`epc schemes: ${s.scheme} partition row does not add up to ${s.bits} bits`);
  }
}

/** Scheme by header byte (index 0..255). */
export const BY_HEADER: ReadonlyArray<SchemeDef | undefined> = (() => {
  const t: Array<SchemeDef | undefined> = new Array(256).fill(undefined);
  for (const s of SCHEMES) t[s.header] = s;
  return t;
})();

export const BY_NAME: ReadonlyMap<string, SchemeDef> = new Map(SCHEMES.map((s) => [s.scheme, s]));

/** EPC headers that are real TDS schemes we do not decode, so the reason can name them (TDS Table 14-1). */
export const OTHER_HEADERS: Readonly<Record<number, string>> = {
  0x00: 'an unprogrammed tag (header 0x00)',
  0x2f: 'USDOD-96',
  0x3a: 'GDTI-113',
  0x3b: 'ADI-var',
  0x3d: 'CPI-var',
  0x3e: 'GDTI-174',
  0x40: 'ITIP-110',
  0x41: 'ITIP-212',
};
