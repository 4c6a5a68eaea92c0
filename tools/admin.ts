// Typed helpers over the Pulsar admin REST API (v2), for tests, demo and bench.

/** The parts of a topic's stats the tests read; the broker sends many more fields. */
export interface TopicStats {
  msgInCounter: number;
  bytesInCounter: number;
  msgOutCounter: number;
  publishers: Array<{ producerName?: string; [k: string]: unknown }>;
  subscriptions: Record<string, SubscriptionStats>;
  [k: string]: unknown;
}

export interface SubscriptionStats {
  msgBacklog: number;
  unackedMessages: number;
  type: string;
  consumers: Array<{ consumerName?: string; unackedMessages?: number; [k: string]: unknown }>;
  [k: string]: unknown;
}

export interface PartitionedTopicStats extends TopicStats {
  metadata: { partitions: number };
  /** per partition, keyed by the partition's full name; empty unless perPartition */
  partitions: Record<string, TopicStats>;
}

export interface SchemaInfo {
  version: number;
  type: string;
  data: string;
  properties: Record<string, string>;
  [k: string]: unknown;
}

export interface ExaminedMessage {
  body: Buffer;
  /** lower-cased response headers, among them x-pulsar-message-id, x-pulsar-property, x-pulsar-partition-key */
  headers: Record<string, string>;
}

/** `persistent://t/ns/x`, `non-persistent://t/ns/x`, `t/ns/x` or `x` (public/default) → `persistent/t/ns/x`. */
export function topicPath(topic: string): string {
  const full = /^(persistent|non-persistent):\/\/([^/]+)\/([^/]+)\/(.+)$/.exec(topic);
  if (full) return `${full[1]}/${full[2]}/${full[3]}/${encodeURIComponent(full[4])}`;
  const parts = topic.split('/');
  if (parts.length === 3) return `persistent/${parts[0]}/${parts[1]}/${encodeURIComponent(parts[2])}`;
  return `persistent/public/default/${encodeURIComponent(topic)}`;
}

async function call(adminUrl: string, method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${adminUrl}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    // a string body is sent as already-encoded JSON (for 64-bit numbers JS cannot hold)
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`Pulsar admin ${method} ${path} answered ${res.status} ${res.statusText}: ${await res.text()}`);
  return res;
}

async function json<T>(adminUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const text = await (await call(adminUrl, method, path, body)).text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function send(adminUrl: string, method: string, path: string, body?: unknown): Promise<void> {
  await (await call(adminUrl, method, path, body)).arrayBuffer(); // drain, so the socket is reused
}

const t = (topic: string) => `/admin/v2/${topicPath(topic)}`;

export function createPartitionedTopic(adminUrl: string, topic: string, partitions: number): Promise<void> {
  return send(adminUrl, 'PUT', `${t(topic)}/partitions`, partitions);
}

/** Grows a partitioned topic to `partitions` (Pulsar never shrinks one). */
export function updatePartitions(adminUrl: string, topic: string, partitions: number): Promise<void> {
  return send(adminUrl, 'POST', `${t(topic)}/partitions`, partitions);
}

/** The partition count; 0 for a non-partitioned topic; throws (404) when the topic does not exist. */
export async function getPartitions(adminUrl: string, topic: string): Promise<number> {
  return (await json<{ partitions: number }>(adminUrl, 'GET', `${t(topic)}/partitions`)).partitions;
}

export function createNonPartitionedTopic(adminUrl: string, topic: string): Promise<void> {
  return send(adminUrl, 'PUT', t(topic));
}

export function topicStats(adminUrl: string, topic: string): Promise<TopicStats> {
  return json(adminUrl, 'GET', `${t(topic)}/stats`);
}

export function partitionedStats(adminUrl: string, topic: string, perPartition = true): Promise<PartitionedTopicStats> {
  return json(adminUrl, 'GET', `${t(topic)}/partitioned-stats?perPartition=${perPartition}`);
}

/** The n-th message (1-based) counted from the earliest: raw payload and headers. */
export async function examineMessage(adminUrl: string, topic: string, position = 1): Promise<ExaminedMessage> {
  const res = await call(adminUrl, 'GET', `${t(topic)}/examinemessage?initialPosition=earliest&messagePosition=${position}`);
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
  return { body: Buffer.from(await res.arrayBuffer()), headers };
}

/** The topic's latest schema; throws (404) when it has none. */
export function getSchema(adminUrl: string, topic: string): Promise<SchemaInfo> {
  const [, tenant, ns, local] = topicPath(topic).split('/');
  return json(adminUrl, 'GET', `/admin/v2/schemas/${tenant}/${ns}/${local}/schema`);
}

/** Deletes a topic (partitioned or not), forcing out producers and consumers. */
export async function deleteTopic(adminUrl: string, topic: string): Promise<void> {
  const partitioned = (await getPartitions(adminUrl, topic).catch(() => 0)) > 0;
  await send(adminUrl, 'DELETE', `${t(topic)}${partitioned ? '/partitions' : ''}?force=true`);
}

/** Unloads a topic from its broker: clients see it close and reconnect. */
export function unload(adminUrl: string, topic: string): Promise<void> {
  return send(adminUrl, 'PUT', `${t(topic)}/unload`);
}

/** Creates a durable subscription at `position` ('earliest' | 'latest') without a consumer. */
export function createSubscription(
  adminUrl: string,
  topic: string,
  subscription: string,
  position: 'earliest' | 'latest' = 'latest',
): Promise<void> {
  // the body is the start message id: Java's MessageId.earliest (-1:-1) or latest (Long.MAX_VALUE twice)
  const max = '9223372036854775807';
  const id =
    position === 'earliest'
      ? '{"ledgerId":-1,"entryId":-1,"partitionIndex":-1}'
      : `{"ledgerId":${max},"entryId":${max},"partitionIndex":-1}`;
  return send(adminUrl, 'PUT', `${t(topic)}/subscription/${encodeURIComponent(subscription)}`, id);
}

export function createNamespace(adminUrl: string, namespace: string): Promise<void> {
  return send(adminUrl, 'PUT', `/admin/v2/namespaces/${namespace}`);
}

export function setNamespaceDeduplication(adminUrl: string, namespace: string, enabled: boolean): Promise<void> {
  return send(adminUrl, 'POST', `/admin/v2/namespaces/${namespace}/deduplication`, enabled);
}

/** Retention of a namespace in minutes and MB; -1 keeps everything forever. */
export function setNamespaceRetention(adminUrl: string, namespace: string, minutes: number, sizeMB: number): Promise<void> {
  return send(adminUrl, 'POST', `/admin/v2/namespaces/${namespace}/retention`, {
    retentionTimeInMinutes: minutes,
    retentionSizeInMB: sizeMB,
  });
}

/** Terminates a topic: no more writes; consumers hear of the end once they read everything. */
export function terminate(adminUrl: string, topic: string): Promise<void> {
  return send(adminUrl, 'POST', `${t(topic)}/terminate`);
}

export function listClusters(adminUrl: string): Promise<string[]> {
  return json(adminUrl, 'GET', '/admin/v2/clusters');
}

export function listNamespaces(adminUrl: string, tenant = 'public'): Promise<string[]> {
  return json(adminUrl, 'GET', `/admin/v2/namespaces/${tenant}`);
}
