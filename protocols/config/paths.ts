// protocols/config — relative file paths in a config are relative to the config file's directory.
import { isAbsolute, join } from 'node:path';

export function resolveFrom(baseDir: string, file: string): string;
export function resolveFrom(baseDir: string, file: string | undefined): string | undefined;
export function resolveFrom(baseDir: string, file: string | undefined): string | undefined {
  if (file === undefined || isAbsolute(file) || file === ':memory:') return file;
  return join(baseDir, file);
}
