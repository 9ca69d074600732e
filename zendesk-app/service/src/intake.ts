import type { Db } from './db';
import { enqueueDeliveries, type Delivery, type Enqueued } from './queue';

/** Deliveries stored in one statement at most. */
const MAX_BATCH = 1_000;

/**
 * Deliveries that arrive together are stored together: one statement per batch, and the next
 * batch gathers while one is being written (a group commit). At 500 at once this keeps the
 * answers fast; alone, a delivery waits for nothing.
 */
export class Intake {
  private batch: { d: Delivery; resolve: (e: Enqueued) => void; reject: (e: Error) => void }[] = [];
  private writing = 0;
  // PGlite runs one statement at a time; PostgreSQL takes a few batches at once on its pool.
  private readonly maxWriting: number;

  constructor(private readonly db: Db) {
    this.maxWriting = db.kind === 'postgres' ? 4 : 1;
  }

  store(d: Delivery): Promise<Enqueued> {
    return new Promise<Enqueued>((resolve, reject) => {
      this.batch.push({ d, resolve, reject });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.writing >= this.maxWriting || !this.batch.length) return;
    this.writing++;
    const b = this.batch.splice(0, MAX_BATCH);
    try {
      const out = await enqueueDeliveries(this.db, b.map((x) => x.d));
      b.forEach((x, i) => x.resolve(out[i]));
    } catch (e) {
      b.forEach((x) => x.reject(e as Error));
    } finally {
      this.writing--;
      void this.flush();
    }
  }
}
