import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { DataError } from './dataError';

/** Options for {@link downloadVerified}. */
export interface DownloadOptions {
  log?: (line: string) => void;
  /** Abort when the whole transfer takes longer than this (default 10 minutes). */
  timeoutMs?: number;
}

/** SHA-256 of `data` as lowercase hex. */
export function sha256Hex(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * Downloads `url` into `dest`, verified by its SHA-256 before anything is written, then written
 * atomically (temporary file in the same folder + rename) so an interrupted or failed download
 * never leaves a partial or wrong file where the cache lookup would find it.
 */
export async function downloadVerified(url: string, dest: string, expectedSha256: string, opts: DownloadOptions = {}): Promise<void> {
  const name = path.basename(dest);
  opts.log?.(`${name}: downloading ${url}`);
  let body: Buffer;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 600_000) });
    if (!res.ok) {
      throw new DataError(
        `${name}: download from ${url} failed: HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}; ` +
          `check the download base URL, or place the file at ${dest} yourself`,
      );
    }
    body = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    if (e instanceof DataError) throw e;
    const cause = (e as { cause?: Error }).cause;
    throw new DataError(
      `${name}: download from ${url} failed (${(e as Error).message}${cause?.message ? ': ' + cause.message : ''}); ` +
        `check the network connection, or place the file at ${dest} yourself`,
    );
  }
  const actual = sha256Hex(body);
  if (actual !== expectedSha256.toLowerCase()) {
    throw new DataError(
      `${name}: the file downloaded from ${url} (${body.length} bytes) has SHA-256 ${actual}, expected ${expectedSha256}; ` +
        'it is corrupt or not the expected file, so it was not saved. Try again, or check the download base URL',
    );
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(tmp, body);
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new DataError(`${name}: cannot save the download to ${dest} (${(e as Error).message}); check the cache folder`);
  }
  opts.log?.(`${name}: saved ${body.length} bytes to ${dest} (SHA-256 verified)`);
}
