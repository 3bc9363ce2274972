/** Runs work one at a time per partition, so a re-send never overtakes (or follows) the end of its alarm. */
export interface PartitionLocks {
  run<T>(partition: number, work: () => Promise<T>): Promise<T>;
}

export function createPartitionLocks(): PartitionLocks {
  const tails = new Map<number, Promise<unknown>>();
  return {
    run(partition, work) {
      const prev = tails.get(partition) ?? Promise.resolve();
      const next = prev.then(work, work);
      const tail = next.catch(() => undefined);
      tails.set(partition, tail);
      void tail.then(() => {
        if (tails.get(partition) === tail) tails.delete(partition);
      });
      return next;
    },
  };
}
