// One file over SFTP: from a buffer or a local path, then its mode set (the mode given at open only
// applies to a new file, through the server's umask). Settles when the connection closes too:
// ssh2's fastPut never calls back when the connection drops mid-transfer.
import { stat } from 'node:fs/promises';
import type { Client, SFTPWrapper } from 'ssh2';

/**
 * Writes in flight per upload: 16 × 32 KiB, so a push to many hosts holds 512 KiB per host rather
 * than ssh2's default 2 MiB (64 × 32 KiB), and still fills ~80 Mbit/s at a 50 ms round trip.
 */
const PUT_CONCURRENCY = 16;
const PUT_CHUNK = 32 * 1024;

/**
 * How far behind the end of a file still being uploaded its bytes may be missing: ssh2's fastPut
 * writes each chunk when its local read completes, so the writes in flight may land out of order
 * and leave holes (read as zeros) in the last PUT_CONCURRENCY chunks.
 */
export const PUT_IN_FLIGHT_BYTES = PUT_CONCURRENCY * PUT_CHUNK;

export interface TransferHooks {
  /** Called for every chunk written (restarts the upload's deadline). */
  progress: () => void;
  /** Resolves when the connection closed. */
  closed: Promise<void>;
  lost: () => Error;
  fail: (err: Error) => Error;
  sent: (bytes: number) => void;
}

export async function transferFile(
  sftp: SFTPWrapper,
  source: Buffer | { localPath: string },
  remotePath: string,
  mode: number | undefined,
  h: TransferHooks,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    void h.closed.then(() => reject(h.lost()));
    const done = (err?: Error | null): void => (err ? reject(h.fail(err)) : resolve());
    if (Buffer.isBuffer(source)) {
      h.sent(source.length);
      sftp.writeFile(remotePath, source, mode === undefined ? {} : { mode }, done);
    } else {
      stat(source.localPath).then(
        (s) => {
          h.sent(s.size);
          sftp.fastPut(
            source.localPath,
            remotePath,
            {
              ...(mode === undefined ? {} : { mode }),
              step: h.progress,
              concurrency: PUT_CONCURRENCY,
              chunkSize: PUT_CHUNK,
            },
            done,
          );
        },
        (err: Error) => reject(h.fail(err)),
      );
    }
  });
  h.progress();
  if (mode !== undefined) {
    await new Promise<void>((resolve, reject) =>
      sftp.chmod(remotePath, mode, (err) => (err ? reject(h.fail(err)) : resolve())),
    );
  }
}

/** One SFTP session per connection, opened on first use; a stalled one is dropped and reopened. */
export class SftpSession {
  private session?: Promise<SFTPWrapper>;
  constructor(
    private readonly client: Client,
    private readonly lost: (action: string, err: unknown) => Error,
  ) {}

  get(): Promise<SFTPWrapper> {
    this.session ??= new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((err, sftp) => {
        if (err) {
          this.session = undefined;
          return reject(this.lost('cannot open SFTP session', err));
        }
        sftp.on('close', () => {
          this.session = undefined;
        });
        resolve(sftp);
      });
    });
    return this.session;
  }

  drop(): void {
    const s = this.session;
    this.session = undefined;
    void s?.then(
      (x) => x.end(),
      () => undefined,
    );
  }
}
