import { receiveChannel } from '../core/diagnostics';

/** What `cortado:receive` needs of a delivered message. */
interface Receivable {
  topic: string;
  partition: number;
  messageId: { ledgerId: number; entryId: number; batchIndex?: number };
  value: Uint8Array;
  redeliveryCount: number;
}

/** Publishes each message handed to the app on `cortado:receive` (nothing when unobserved). */
export function traceReceive(messages: readonly Receivable[]): void {
  if (!receiveChannel.hasSubscribers) return;
  for (const m of messages) {
    const { ledgerId, entryId, batchIndex } = m.messageId;
    receiveChannel.publish({
      topic: m.topic,
      partition: m.partition,
      messageId: { ledgerId, entryId, batchIndex },
      bytes: m.value.length,
      redeliveryCount: m.redeliveryCount,
    });
  }
}
