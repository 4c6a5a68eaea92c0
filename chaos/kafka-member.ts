import { Consumer, Message, RecordMetadata } from '../lib';

// One member of the Kafka consumer chaos group, a child process of its own so that a SIGKILL is a
// real crash. It reports every batch it handled to the parent over IPC, after handling it (before
// the return that acknowledges it), and closes cleanly (committing) when the parent says stop.

export interface MemberArgs {
  bootstrap: string;
  topic: string;
  group: string;
  name: string;
  /** handler time per record, to pace the run so faults land mid-stream */
  perRecordMs: number;
  sessionTimeoutMs: number;
  offsetCommitIntervalMs: number;
  maxPartitionBytes?: number;
}

/** What a member tells the parent. */
export type MemberReport = { type: 'ready' } | { type: 'batch'; partition: number; offsets: number[]; at: number } | { type: 'closed' };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as MemberArgs;
  const send = (r: MemberReport) => process.send?.(r);
  const c = new Consumer(
    {
      url: args.bootstrap,
      topics: [args.topic],
      subscription: args.group,
      subscriptionInitialPosition: 'earliest',
      sessionTimeoutMs: args.sessionTimeoutMs,
      heartbeatIntervalMs: Math.max(100, Math.floor(args.sessionTimeoutMs / 5)),
      offsetCommitIntervalMs: args.offsetCommitIntervalMs,
      ...(args.maxPartitionBytes ? { maxPartitionBytes: args.maxPartitionBytes } : {}),
      handleMessages: async (msgs: Message[]) => {
        if (args.perRecordMs > 0) await sleep(msgs.length * args.perRecordMs);
        send({
          type: 'batch',
          partition: msgs[0].partition!,
          offsets: msgs.map((m) => (m.messageId as RecordMetadata).offset),
          at: Date.now(),
        });
      },
    },
    { CORTADO_LOG_LEVEL: process.env.CORTADO_LOG_LEVEL },
  );
  process.on('message', (m: { stop?: boolean }) => {
    if (!m.stop) return;
    void c
      .close()
      .catch(() => undefined)
      .then(() => {
        send({ type: 'closed' });
        process.disconnect?.();
        process.exit(0);
      });
  });
  await c.start();
  send({ type: 'ready' });
}

main().catch((err: Error) => {
  console.error(`member: ${err.stack ?? err.message}`);
  process.exit(1);
});
