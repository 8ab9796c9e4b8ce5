// protocols/config — relative file paths in a config are relative to the config file's directory.
import { isAbsolute, join } from 'node:path';

export function resolveFrom(baseDir: string, file: string): string;
export function resolveFrom(baseDir: string, file: string | undefined): string | undefined;
export function resolveFrom(baseDir: string, file: string | undefined): string | undefined {
  if (file === undefined || isAbsolute(file) || file === ':memory:') return file;
  return join(baseDir, file);
}

/** A copy of `section` with every `…File` key made absolute from `baseDir` (TLS files). */
export function resolveFileKeys<T extends object>(section: T, baseDir: string): T {
  return Object.fromEntries(Object.entries(section).map(([k, v]) => [k, /File$/.test(k) && typeof v === 'string' ? resolveFrom(baseDir, v) : v])) as T;
}
