import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Free space where the database lives. A service restarted on a disk that is still full loads its
 * model, answers reads, and fails its first write (a COMMIT that cannot grow the WAL stops the
 * process, by design): readiness must say so before a load balancer sends it traffic, or a
 * supervisor restarts it in a loop (found by an operator walkthrough on a full tmpfs).
 */
export const MIN_FREE_DISK_BYTES = 64 * 1024 * 1024;

/** Bytes available to this process on the file system of `path`'s folder. */
export async function freeDiskBytes(path: string): Promise<number> {
  const stats = await statfs(dirname(resolve(path)));
  return stats.bavail * stats.bsize;
}
