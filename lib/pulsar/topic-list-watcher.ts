import { getTopicsOfNamespaceFrame, watchTopicListCloseFrame, watchTopicListFrame } from '../../protocol/pulsar/topic-list';
import { BaseCommand, TopicsMode } from '../../protocol/pulsar/proto';
import type { CortadoError } from '../core/errors';
import type { Log } from '../core/logger';
import { Connection, TopicListListener } from './connection';
import { isRetryable } from './handler-base';
import type { LookupService } from './lookup-service';
import { isSystemTopic, TopicsPattern } from './topics-pattern';

/** What a watcher needs of its client. */
export interface TopicListHost {
  lookup: LookupService;
  log: Log;
  /** how often the whole list is asked for while no watch is registered (Java's patternAutoDiscoveryPeriod) */
  periodMs: number;
  /** partition topics that appeared and went; resolves with the added ones that could not be subscribed */
  changed(added: string[], removed: string[]): Promise<string[]>;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Follows the topics (non-partitioned topics and partitions) of a namespace that a pattern matches,
 * as the Java client's pattern consumer: the whole list once (GET_TOPICS_OF_NAMESPACE), then the
 * broker's topic-list watch (WATCH_TOPIC_LIST, re-registered after a lost connection). A broker
 * without the watch (no supports_topic_watchers, or it refuses the pattern) is asked again every periodMs.
 */
export class TopicListWatcher implements TopicListListener {
  readonly watcherId = Connection.newResourceId();
  /** the matching topics subscribed, by full name */
  private readonly known = new Set<string>();
  private hash?: string;
  private conn?: Connection;
  private pollTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private backoffMs = 100;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private registering?: Promise<void>;

  constructor(
    readonly pattern: TopicsPattern,
    private readonly host: TopicListHost,
  ) {}

  /** Whether the broker's watch is registered now (else the list is polled). */
  get watching(): boolean {
    return this.conn !== undefined;
  }

  /** Subscribes the topics matching now; then keeps following them. */
  async start(): Promise<void> {
    await this.recheck(true);
    this.watchNow();
  }

  // One registration at a time; close() waits for it, so a watch registered meanwhile is closed on the broker.
  private watchNow(): void {
    this.retryTimer = undefined;
    this.registering = this.watch().finally(() => (this.registering = undefined));
  }

  /** Asks for the whole list and applies the difference (serialized with the watch's updates). */
  recheck(failLoudly = false): Promise<void> {
    return this.enqueue(async () => {
      try {
        await this.poll();
      } catch (err) {
        if (failLoudly) throw err;
        this.host.log.warn(`listing the topics of ${this.pattern.namespace} failed: ${(err as Error).message}`);
      }
    });
  }

  private async poll(): Promise<void> {
    const conn = await this.host.lookup.serviceConnection();
    const p = this.pattern;
    const res = await conn.request(
      (id) => getTopicsOfNamespaceFrame(id, p.namespace, p.mode, p.text, this.hash),
      `listing the topics of ${p.namespace} matching ${p.text}`,
    );
    const r = res.getTopicsOfNamespaceResponse;
    if (r.topicsHash) this.hash = r.topicsHash;
    // an unchanged list comes back empty
    if (r.changed === false) return;
    // a broker that did not filter (pattern evaluation off, or the pattern too long) sent every topic: applyList filters
    await this.applyList(r.topics);
  }

  // Registers the watch on a service URL connection; without the feature, falls back to polling.
  private async watch(): Promise<void> {
    if (this.closed) return;
    if (this.pattern.mode !== TopicsMode.PERSISTENT) return this.pollEvery();
    let conn: Connection;
    try {
      conn = await this.host.lookup.serviceConnection();
    } catch {
      return this.retryWatch();
    }
    if (!conn.supportsTopicWatchers) {
      this.host.log.info(`the broker ${conn.key} keeps no topic-list watch; polling ${this.pattern.text} every ${this.host.periodMs} ms`);
      return this.pollEvery();
    }
    conn.addWatcher(this.watcherId, this);
    const hash = this.hash;
    try {
      const res = await conn.request(
        (id) => watchTopicListFrame(id, this.watcherId, this.pattern.namespace, this.pattern.text, hash),
        `watching the topics matching ${this.pattern.text}`,
      );
      if (this.closed) return await this.unwatch(conn);
      const s = res.watchTopicListSuccess;
      this.conn = conn;
      this.backoffMs = 100;
      this.stopPolling();
      // a list with the hash we sent is unchanged (and comes empty); another is the whole list, changed while unwatched
      if (s.topicsHash === hash) return;
      if (s.topicsHash) this.hash = s.topicsHash;
      await this.enqueue(() => this.applyList(s.topic));
    } catch (err) {
      conn.removeWatcher(this.watcherId);
      if (this.closed) return;
      if (isRetryable(err, false) && !conn.closed) return this.retryWatch();
      if (conn.closed) return this.retryWatch();
      this.host.log.warn(
        `the broker refused to watch ${this.pattern.text} (${(err as Error).message}); polling every ${this.host.periodMs} ms`,
      );
      this.pollEvery();
    }
  }

  private retryWatch(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => this.watchNow(), this.backoffMs);
    this.retryTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }

  private pollEvery(): void {
    if (this.closed || this.pollTimer) return;
    this.pollTimer = setInterval(() => void this.recheck(), this.host.periodMs);
    this.pollTimer.unref();
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  onTopicListUpdate(cmd: BaseCommand): void {
    const u = cmd.watchTopicUpdate;
    if (u.topicsHash) this.hash = u.topicsHash;
    void this.enqueue(() => this.applyDelta(u.newTopics, u.deletedTopics));
  }

  onConnectionClosed(_err: CortadoError): void {
    this.conn = undefined;
    this.retryWatch();
  }

  private applyList(topics: string[]): Promise<void> {
    const now = new Set(topics.filter((t) => !isSystemTopic(t) && this.pattern.matches(t)));
    return this.apply(
      [...now].filter((t) => !this.known.has(t)),
      [...this.known].filter((t) => !now.has(t)),
    );
  }

  private applyDelta(added: string[], removed: string[]): Promise<void> {
    return this.apply(
      added.filter((t) => !this.known.has(t) && !isSystemTopic(t) && this.pattern.matches(t)),
      removed.filter((t) => this.known.has(t)),
    );
  }

  private async apply(added: string[], removed: string[]): Promise<void> {
    if (this.closed || (added.length === 0 && removed.length === 0)) return;
    for (const t of removed) this.known.delete(t);
    for (const t of added) this.known.add(t);
    // those that could not be subscribed are offered again by the next whole list
    for (const t of await this.host.changed(added, removed)) this.known.delete(t);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async unwatch(conn: Connection): Promise<void> {
    conn.removeWatcher(this.watcherId);
    if (conn.closed) return;
    await conn.request((id) => watchTopicListCloseFrame(id, this.watcherId), 'closing a topic-list watch').catch(() => undefined);
  }

  /** Stops polling and closes the watch on the broker; an update being applied finishes first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopPolling();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const conn = this.conn;
    this.conn = undefined;
    if (conn) await this.unwatch(conn);
    await this.registering;
    await this.queue;
  }
}
