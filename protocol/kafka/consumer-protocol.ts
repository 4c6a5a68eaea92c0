import { KafkaProtocolError } from './errors';
import type { Reader } from './reader';
import type { Writer } from './writer';

// The classic consumer protocol (protocolType 'consumer'): what a member puts in JoinGroup's protocol metadata
// (a subscription) and what the leader puts in SyncGroup's assignments. Not flexible: an int16 version, then
// the struct in classic encoding (int16 strings, int32 arrays and bytes). Schemas know v0-v3; the Java client
// writes v3 and reads any version, taking one above its newest as its newest (the extra fields trail, unread).
// cortado writes v1 by default (topics, user data, owned partitions: what cooperative rebalancing needs) and
// decodes every version the same way Java does.

export const PROTOCOL_TYPE = 'consumer';
/** The version encoders write unless told otherwise. */
export const VERSION = 1;
/** The newest version the schemas define; newer ones are read as this. */
export const HIGHEST_VERSION = 3;

export interface ConsumerProtocolTopicPartitions {
  topic: string;
  partitions: number[];
}

export interface ConsumerProtocolSubscription {
  topics: string[];
  userData: Buffer | null;
  /** v1+; [] when absent. */
  ownedPartitions: ConsumerProtocolTopicPartitions[];
  /** v2+; -1 when absent. */
  generationId?: number;
  /** v3+; null when absent. */
  rackId?: string | null;
}

export interface ConsumerProtocolAssignment {
  assignedPartitions: ConsumerProtocolTopicPartitions[];
  userData: Buffer | null;
}

function checkVersion(version: number, what: string): number {
  if (version < 0) throw new KafkaProtocolError(`consumer protocol ${what} version ${version}`);
  return Math.min(version, HIGHEST_VERSION);
}

const writeTopicPartitions = (w: Writer, tp: ConsumerProtocolTopicPartitions): void => {
  w.string(tp.topic).array(tp.partitions, (w, p) => w.int32(p));
};

const readTopicPartitions = (r: Reader): ConsumerProtocolTopicPartitions => ({
  topic: r.string() ?? '',
  partitions: r.array((r) => r.int32()) ?? [],
});

// ConsumerProtocolSubscription => Version:int16 Topics:[string] UserData:nullable_bytes
//   OwnedPartitions:[Topic:string Partitions:[int32]] (v1+) GenerationId:int32 (v2+) RackId:nullable_string (v3+)
export function encodeConsumerProtocolSubscription(w: Writer, sub: ConsumerProtocolSubscription, version = VERSION): void {
  if (version < 0 || version > HIGHEST_VERSION) throw new RangeError(`subscription version ${version} is not 0-${HIGHEST_VERSION}`);
  w.int16(version)
    .array(sub.topics, (w, t) => w.string(t))
    .bytes(sub.userData);
  if (version >= 1) w.array(sub.ownedPartitions, writeTopicPartitions);
  if (version >= 2) w.int32(sub.generationId ?? -1);
  if (version >= 3) w.string(sub.rackId ?? null);
}

/** Reads the version prefix too; trailing bytes of a newer version are left unread. */
export function decodeConsumerProtocolSubscription(r: Reader): ConsumerProtocolSubscription {
  const version = checkVersion(r.int16(), 'subscription');
  const topics = (r.array((r) => r.string()) ?? []).map((t) => t ?? '');
  const userData = r.bytes();
  const ownedPartitions = version >= 1 ? (r.array(readTopicPartitions) ?? []) : [];
  const generationId = version >= 2 ? r.int32() : -1;
  const rackId = version >= 3 ? r.string() : null;
  return { topics, userData, ownedPartitions, generationId, rackId };
}

// ConsumerProtocolAssignment => Version:int16 AssignedPartitions:[Topic:string Partitions:[int32]] UserData:nullable_bytes
// (the same fields in v0-v3)
export function encodeConsumerProtocolAssignment(w: Writer, a: ConsumerProtocolAssignment, version = VERSION): void {
  if (version < 0 || version > HIGHEST_VERSION) throw new RangeError(`assignment version ${version} is not 0-${HIGHEST_VERSION}`);
  w.int16(version).array(a.assignedPartitions, writeTopicPartitions).bytes(a.userData);
}

/** Reads the version prefix too. */
export function decodeConsumerProtocolAssignment(r: Reader): ConsumerProtocolAssignment {
  checkVersion(r.int16(), 'assignment');
  const assignedPartitions = r.array(readTopicPartitions) ?? [];
  return { assignedPartitions, userData: r.bytes() };
}
