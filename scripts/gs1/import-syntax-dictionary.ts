// scripts/gs1 — regenerates protocols/gs1/syntax-dictionary/entries.ts from GS1's Barcode Syntax Dictionary text
// (protocols/gs1/syntax-dictionary/gs1-syntax-dictionary.txt, a release of github.com/gs1/gs1-syntax-dictionary).
// Usage: npx tsx scripts/gs1/import-syntax-dictionary.ts   (after replacing the .txt with a newer release)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderEntriesModule } from '../../protocols/gs1/syntax-dictionary/render.js';

const dir = fileURLToPath(new URL('../../protocols/gs1/syntax-dictionary/', import.meta.url));
const text = readFileSync(dir + 'gs1-syntax-dictionary.txt', 'utf8');
writeFileSync(dir + 'entries.ts', renderEntriesModule(text));
process.stdout.write(`wrote ${dir}entries.ts\n`);
