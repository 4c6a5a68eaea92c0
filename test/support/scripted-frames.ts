import { encodeCommandFrame, encodePayloadFrame } from '../../protocol/pulsar/frame';
import { BaseCommand, CommandType, ServerError, subCommandField } from '../../protocol/pulsar/proto';

/** The sub-command a BaseCommand carries: its field number equals the command's type number. */
export function subCommand(cmd: BaseCommand): Record<string, any> {
  const field = subCommandField(cmd.type);
  return (field ? (cmd as unknown as Record<string, Record<string, any>>)[field] : undefined) ?? {};
}

/** The BaseCommand field that holds the sub-command of `type`. */
export function fieldOf(type: CommandType): string {
  return subCommandField(type)!;
}

/** A frame of `type` whose sub-command holds `fields`. */
export function commandFrame(type: CommandType, fields: Record<string, unknown> = {}): Buffer {
  return encodeCommandFrame({ type, [fieldOf(type)]: fields });
}

/** A payload frame (MESSAGE or SEND) as one Buffer; `corrupt` flips the last byte after the checksum was computed. */
export function payloadFrame(
  type: CommandType,
  fields: Record<string, unknown>,
  metadata: Uint8Array,
  payload: Uint8Array,
  corrupt = false,
): Buffer {
  const [header, body] = encodePayloadFrame({ type, [fieldOf(type)]: fields }, metadata, payload);
  const bytes = Buffer.concat([header, body]);
  if (corrupt) bytes[bytes.length - 1] ^= 0xff;
  return bytes;
}

/** Frames a broker sends on its own initiative, for `reply.andThen(...)` or `conn.write(...)`. */
export const brokerFrames = {
  connected: (maxMessageSize: number, serverVersion = 'scripted-broker', protocolVersion = 21) =>
    commandFrame(CommandType.CONNECTED, { serverVersion, protocolVersion, maxMessageSize }),
  ping: () => commandFrame(CommandType.PING),
  pong: () => commandFrame(CommandType.PONG),
  error: (requestId: number, error: ServerError, message = 'scripted error') =>
    commandFrame(CommandType.ERROR, { requestId, error, message }),
  closeProducer: (producerId: number, requestId = 0, assignedBrokerServiceUrl?: string) =>
    commandFrame(CommandType.CLOSE_PRODUCER, { producerId, requestId, assignedBrokerServiceUrl }),
  closeConsumer: (consumerId: number, requestId = 0, assignedBrokerServiceUrl?: string) =>
    commandFrame(CommandType.CLOSE_CONSUMER, { consumerId, requestId, assignedBrokerServiceUrl }),
  sendReceipt: (producerId: number, sequenceId: number, ledgerId: number, entryId: number, highestSequenceId = sequenceId) =>
    commandFrame(CommandType.SEND_RECEIPT, { producerId, sequenceId, highestSequenceId, messageId: { ledgerId, entryId } }),
  sendError: (producerId: number, sequenceId: number, error: ServerError, message = 'scripted error') =>
    commandFrame(CommandType.SEND_ERROR, { producerId, sequenceId, error, message }),
  reachedEndOfTopic: (consumerId: number) => commandFrame(CommandType.REACHED_END_OF_TOPIC, { consumerId }),
  activeConsumerChange: (consumerId: number, isActive: boolean) =>
    commandFrame(CommandType.ACTIVE_CONSUMER_CHANGE, { consumerId, isActive }),
  topicMigrated: (resourceId: number, resourceType: 'producer' | 'consumer', brokerServiceUrl: string) =>
    commandFrame(CommandType.TOPIC_MIGRATED, { resourceId, resourceType: resourceType === 'producer' ? 0 : 1, brokerServiceUrl }),
};
