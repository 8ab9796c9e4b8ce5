// scripts/bench — the kernel's page cache for one file: how much of it is in memory (util-linux `fincore`), and
// dropping it (coreutils `dd … iflag=nocache count=0`, posix_fadvise DONTNEED over the whole file, after an fdatasync:
// only clean pages can be dropped). The growth bench keeps its cached ledgers out of memory while it measures their
// working copies, so the copies under test do not share the machine's memory with files nothing reads.
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, statSync } from 'node:fs';

/** Drop the file's pages from the page cache. */
export function evictFromPageCache(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const dd = spawnSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none'], { encoding: 'utf8' });
  if (dd.status !== 0) throw new Error(`page cache: dd could not drop ${path} (${dd.status ?? dd.signal}): ${dd.stderr.trim()}`);
}

/** The share (0..1) of the file's bytes in the page cache now. */
export function residentShare(path: string): number {
  const out = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' });
  const bytes = Number(out.stdout.trim());
  if (out.status !== 0 || !Number.isFinite(bytes))
    throw new Error(`page cache: fincore could not read ${path} (${out.status ?? out.signal}): ${out.stderr.trim()}`);
  return bytes / statSync(path).size;
}
