import { getSchemaFrame } from '../../protocol/pulsar/commands';
import { SchemaError } from '../core/errors';
import type { LookupService } from './lookup-service';
import type { Message } from './received-message';

// The schemas messages were written with, fetched once per version (GET_SCHEMA) before those
// messages reach the app, so a reader decodes older versions as the Java client does: the writer's
// schema resolved against its own.

/** What the schema registry answered for one version: its definition text, or why there is none. */
export type WriterSchema = { definition: string } | { error: string };

export class SchemaVersions {
  private readonly known = new Map<string, WriterSchema>();
  /** per partition: deliveries wait here, in order, while a version is being fetched */
  private readonly queues = new WeakMap<object, Promise<void>>();

  constructor(private readonly lookup: LookupService) {}

  writerOf(version: Buffer): WriterSchema | undefined {
    return this.known.get(version.toString('hex'));
  }

  /** Runs `deliver` once the writer schema of every message is known; keeps each partition's order. */
  whenKnown(partition: object, topic: string, msgs: readonly Message[], deliver: () => void): void {
    const queued = this.queues.get(partition);
    const missing = queued ? [] : this.missing(msgs);
    if (!queued && missing.length === 0) return deliver();
    const next = (queued ?? Promise.resolve())
      .then(() => Promise.all(this.missing(msgs).map((v) => this.fetch(topic, v))))
      .then(deliver, deliver)
      .finally(() => {
        if (this.queues.get(partition) === next) this.queues.delete(partition);
      });
    this.queues.set(partition, next);
  }

  private missing(msgs: readonly Message[]): Buffer[] {
    const out = new Map<string, Buffer>();
    for (const m of msgs) {
      const v = m.schemaVersion;
      if (v && !this.known.has(v.toString('hex'))) out.set(v.toString('hex'), v);
    }
    return [...out.values()];
  }

  private async fetch(topic: string, version: Buffer): Promise<void> {
    const key = version.toString('hex');
    try {
      const conn = await this.lookup.serviceConnection();
      const res = (await conn.request((id) => getSchemaFrame(topic, version, id), `schema version ${key} of ${topic}`)).getSchemaResponse!;
      const definition = res.schema?.schemaData;
      this.known.set(
        key,
        res.errorCode || !definition
          ? { error: res.errorMessage || `the registry has no schema version ${key} for ${topic}` }
          : { definition: Buffer.from(definition).toString('utf8') },
      );
    } catch (err) {
      // not remembered: the next message of this version asks again
      throw new SchemaError(`could not fetch schema version ${key} of ${topic}: ${(err as Error).message}`);
    }
  }
}
