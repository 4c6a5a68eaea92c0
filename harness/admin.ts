// Pulsar admin REST helpers for tests, demo and bench.

/** `persistent://tenant/ns/topic` or a short name (public/default) → its REST path. */
export function topicPath(topic: string): string {
  const m = /^(persistent|non-persistent):\/\/([^/]+)\/([^/]+)\/(.+)$/.exec(topic);
  if (m) return `${m[1]}/${m[2]}/${m[3]}/${encodeURIComponent(m[4])}`;
  return `persistent/public/default/${encodeURIComponent(topic)}`;
}

async function call(adminUrl: string, method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${adminUrl}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res;
}

async function json(adminUrl: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const text = await (await call(adminUrl, method, path, body)).text();
  return text ? JSON.parse(text) : undefined;
}

export async function createPartitionedTopic(adminUrl: string, topic: string, partitions: number): Promise<void> {
  await call(adminUrl, 'PUT', `/admin/v2/${topicPath(topic)}/partitions`, partitions);
}

export async function updatePartitions(adminUrl: string, topic: string, partitions: number): Promise<void> {
  await call(adminUrl, 'POST', `/admin/v2/${topicPath(topic)}/partitions`, partitions);
}

export async function getPartitions(adminUrl: string, topic: string): Promise<number> {
  return ((await json(adminUrl, 'GET', `/admin/v2/${topicPath(topic)}/partitions`)) as { partitions: number }).partitions;
}

export async function createNonPartitionedTopic(adminUrl: string, topic: string): Promise<void> {
  await call(adminUrl, 'PUT', `/admin/v2/${topicPath(topic)}`);
}

export function topicStats(adminUrl: string, topic: string): Promise<unknown> {
  return json(adminUrl, 'GET', `/admin/v2/${topicPath(topic)}/stats`);
}

export function partitionedStats(adminUrl: string, topic: string): Promise<unknown> {
  return json(adminUrl, 'GET', `/admin/v2/${topicPath(topic)}/partitioned-stats?perPartition=true`);
}

/** The n-th message (1-based) from the earliest: raw payload and lower-cased X-Pulsar-* headers. */
export async function examineMessage(adminUrl: string, topic: string, position: number): Promise<{ body: Buffer; headers: Record<string, string> }> {
  const res = await call(adminUrl, 'GET', `/admin/v2/${topicPath(topic)}/examinemessage?initialPosition=earliest&messagePosition=${position}`);
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
  return { body: Buffer.from(await res.arrayBuffer()), headers };
}

export function getSchema(adminUrl: string, topic: string): Promise<unknown> {
  const p = topicPath(topic).split('/');
  return json(adminUrl, 'GET', `/admin/v2/schemas/${p[1]}/${p[2]}/${p[3]}/schema`);
}

export async function deleteTopic(adminUrl: string, topic: string): Promise<void> {
  await call(adminUrl, 'DELETE', `/admin/v2/${topicPath(topic)}?force=true`);
}

export async function unload(adminUrl: string, topic: string): Promise<void> {
  await call(adminUrl, 'PUT', `/admin/v2/${topicPath(topic)}/unload`);
}

export async function setNamespaceDeduplication(adminUrl: string, namespace: string, enabled: boolean): Promise<void> {
  await call(adminUrl, 'POST', `/admin/v2/namespaces/${namespace}/deduplication`, enabled);
}

export async function createNamespace(adminUrl: string, namespace: string): Promise<void> {
  await call(adminUrl, 'PUT', `/admin/v2/namespaces/${namespace}`);
}

/** Terminates a topic: no more writes; consumers hear of the end once they read everything. */
export async function terminate(adminUrl: string, topic: string): Promise<void> {
  await call(adminUrl, 'POST', `/admin/v2/${topicPath(topic)}/terminate`);
}
