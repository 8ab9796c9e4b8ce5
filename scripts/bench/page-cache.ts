// scripts/bench — the kernel's page cache for one file: how much of it is in memory (util-linux `fincore`), and
// dropping it (coreutils `dd … iflag=nocache count=0`, posix_fadvise DONTNEED over the whole file, after an fdatasync:
// only clean pages can be dropped), and reading it whole into it. The growth bench keeps its cached ledgers out of
// memory while it measures their working copies, and reads each copy whole first: every size is then measured with its
// database in memory, as the 1 M one is after its first few requests, instead of the larger ones paying a disk read
// for each index page a request touches first.
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, readSync, statSync } from 'node:fs';

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

/** Read the whole file once, so its pages are in the page cache (as far as memory allows). */
export function warmPageCache(path: string): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(8 << 20);
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

/** The share (0..1) of the file's bytes in the page cache now. */
export function residentShare(path: string): number {
  const out = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' });
  const bytes = Number(out.stdout.trim());
  if (out.status !== 0 || !Number.isFinite(bytes))
    throw new Error(`page cache: fincore could not read ${path} (${out.status ?? out.signal}): ${out.stderr.trim()}`);
  return bytes / statSync(path).size;
}
