import { closeSync, openSync, readSync } from 'fs';

/**
 * The first bytes of a file, or of an open descriptor (0: standard input), reading at most
 * `max` + 1 of them: enough to know there are more than `max` without reading on. /dev/zero read
 * whole once grew a process to 16 GB. Node-only: it reads the disk.
 */
export function readCapped(source: string | number, max: number): { text: string; over: boolean } {
  const buf = Buffer.alloc(max + 1);
  let n = 0;
  const fd = typeof source === 'number' ? source : openSync(source, 'r');
  try {
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
  } finally {
    if (typeof source !== 'number') closeSync(fd);
  }
  return { text: n > max ? '' : buf.toString('utf8', 0, n), over: n > max };
}
