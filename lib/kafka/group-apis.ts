import { ApiKey, Reader, Writer } from '../../protocol/kafka';
import * as ConsumerGroupDescribe from '../../protocol/kafka/consumer-group-describe';
import * as ConsumerGroupHeartbeat from '../../protocol/kafka/consumer-group-heartbeat';
import * as DescribeGroups from '../../protocol/kafka/describe-groups';
import * as FindCoordinator from '../../protocol/kafka/find-coordinator';
import * as Heartbeat from '../../protocol/kafka/heartbeat';
import * as JoinGroup from '../../protocol/kafka/join-group';
import * as LeaveGroup from '../../protocol/kafka/leave-group';
import * as ListGroups from '../../protocol/kafka/list-groups';
import * as ListOffsets from '../../protocol/kafka/list-offsets';
import * as OffsetCommit from '../../protocol/kafka/offset-commit';
import * as OffsetFetch from '../../protocol/kafka/offset-fetch';
import * as SyncGroup from '../../protocol/kafka/sync-group';
import type { KafkaApi } from './connection';

// The request descriptors of the consumer group calls, for the group member and the admin client.

/** A KafkaApi descriptor from a protocol module's VERSION, FLEXIBLE, encoder and decoder. */
export function kafkaApi<Req, Res>(
  apiKey: number,
  mod: { VERSION: number; FLEXIBLE: boolean },
  encode: (w: Writer, req: Req) => void,
  decode: (r: Reader) => Res,
): KafkaApi<Req, Res> {
  return { apiKey, version: mod.VERSION, flexible: mod.FLEXIBLE, encode, decode };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type ProtocolModule<N extends string> = { VERSION: number; FLEXIBLE: boolean } & Record<
  `encode${N}Request`,
  (w: Writer, req: any) => void
> &
  Record<`decode${N}Response`, (r: Reader) => any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The descriptor of the api named `name`, from its protocol module's encodeNameRequest and decodeNameResponse. */
function apiOf<N extends keyof typeof ApiKey, M extends ProtocolModule<N>>(
  name: N,
  mod: M,
): KafkaApi<Parameters<M[`encode${N}Request`]>[1], ReturnType<M[`decode${N}Response`]>> {
  return kafkaApi(ApiKey[name], mod, mod[`encode${name}Request`], mod[`decode${name}Response`]);
}

export const FIND_COORDINATOR = apiOf('FindCoordinator', FindCoordinator);
export const JOIN_GROUP = apiOf('JoinGroup', JoinGroup);
export const SYNC_GROUP = apiOf('SyncGroup', SyncGroup);
export const HEARTBEAT = apiOf('Heartbeat', Heartbeat);
export const LEAVE_GROUP = apiOf('LeaveGroup', LeaveGroup);
export const OFFSET_COMMIT = apiOf('OffsetCommit', OffsetCommit);
export const OFFSET_FETCH = apiOf('OffsetFetch', OffsetFetch);
export const LIST_GROUPS = apiOf('ListGroups', ListGroups);
export const DESCRIBE_GROUPS = apiOf('DescribeGroups', DescribeGroups);
export const LIST_OFFSETS = apiOf('ListOffsets', ListOffsets);
export const CONSUMER_GROUP_HEARTBEAT = apiOf('ConsumerGroupHeartbeat', ConsumerGroupHeartbeat);
export const CONSUMER_GROUP_DESCRIBE = apiOf('ConsumerGroupDescribe', ConsumerGroupDescribe);
