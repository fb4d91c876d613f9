/**
 * Processing of one FIFO batch, as Lambda's SQS event source hands it over.
 *
 * A batch may hold several messages of one group, in order. Messages of one group run one after
 * another; at the first failure of a group, that message and every later one of the same group are
 * reported as failures so SQS hands them back in order. Different groups run concurrently.
 */

export interface BatchRecord {
  readonly messageId: string;
  readonly groupId: string;
}

/** `ack`: done with this message; `retry`: give it back to the queue (a batch item failure). */
export type RecordOutcome = 'ack' | 'retry';

export async function processFifoBatch<R extends BatchRecord>(
  records: readonly R[],
  processOne: (record: R) => Promise<RecordOutcome>,
  options: {
    shouldStart?: () => boolean;
    onError?: (record: R, error: unknown) => void;
    /**
     * The records handed back without being tried, because an earlier message of their group was: on SQS
     * they stay in flight for the whole visibility timeout unless released, holding their group that long.
     */
    onSkipped?: (records: readonly R[]) => Promise<void>;
    /** At the end of each group's run, before skipped records are released (rate-limit spacing). */
    afterGroup?: (groupId: string) => Promise<void>;
  } = {},
): Promise<string[]> {
  const groups = new Map<string, R[]>();
  for (const record of records) {
    const list = groups.get(record.groupId);
    if (list) list.push(record);
    else groups.set(record.groupId, [record]);
  }

  const skipped: R[] = [];
  const failures = await Promise.all(
    [...groups.values()].map(async (group) => {
      const failed: string[] = [];
      for (let i = 0; i < group.length; i++) {
        const record = group[i]!;
        let outcome: RecordOutcome;
        if (options.shouldStart && !options.shouldStart()) {
          outcome = 'retry';
        } else {
          try {
            outcome = await processOne(record);
          } catch (error) {
            options.onError?.(record, error);
            outcome = 'retry';
          }
        }
        if (outcome === 'retry') {
          for (const rest of group.slice(i)) failed.push(rest.messageId);
          skipped.push(...group.slice(i + 1));
          break;
        }
      }
      await options.afterGroup?.(group[0]!.groupId);
      return failed;
    }),
  );
  if (skipped.length > 0 && options.onSkipped) await options.onSkipped(skipped);
  // Keep the batch's own order in the response.
  const failedSet = new Set(failures.flat());
  return records.filter((r) => failedSet.has(r.messageId)).map((r) => r.messageId);
}
