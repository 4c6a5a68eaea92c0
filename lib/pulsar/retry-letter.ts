import type { DeadLetterPolicyOption } from './options';
import { fullTopicName, LetterExtras } from './dead-letter';
import type { ReceivedMessage } from './received-message';

/** The properties the Java client writes on a retry letter (RetryMessageUtil): how many times, and the delay asked. */
export const RECONSUMETIMES = 'RECONSUMETIMES';
export const DELAY_TIME = 'DELAY_TIME';
/** The Java client's maxRedeliverCount when retry is enabled without a dead letter policy. */
export const MAX_RECONSUMETIMES = 16;

/** The dead letter policy a consumer works with: as configured, or with enableRetry the Java client's defaults filled in. */
export function lettersPolicy(cfg: {
  enableRetry: boolean;
  topics: string[];
  subscription: string;
  deadLetterPolicy?: DeadLetterPolicyOption;
}): DeadLetterPolicyOption | undefined {
  const p = cfg.deadLetterPolicy;
  if (!cfg.enableRetry) return p;
  // as ConsumerBuilder: both topics are named after the first topic, for every partition and topic
  const first = `${fullTopicName(cfg.topics[0])}-${cfg.subscription}`;
  return {
    ...p,
    maxRedeliverCount: p?.maxRedeliverCount ?? MAX_RECONSUMETIMES,
    retryLetterTopic: p?.retryLetterTopic ?? `${first}-RETRY`,
    deadLetterTopic: p?.deadLetterTopic ?? `${first}-DLQ`,
  };
}

/**
 * Where reconsumeLater(m, delayMs) sends `m`, as the Java client: RECONSUMETIMES counts up from
 * the message's own; past maxRedeliverCount it goes to the dead letter topic (at once), else to the
 * retry letter topic, delivered after delayMs. Both carry RECONSUMETIMES and DELAY_TIME.
 */
export function retryLetterOf(
  m: ReceivedMessage,
  delayMs: number,
  policy: DeadLetterPolicyOption,
  now = Date.now(),
): { topic: string; dead: boolean; extras: LetterExtras } {
  const before = Number.parseInt(m.properties[RECONSUMETIMES] ?? '', 10);
  const times = Number.isFinite(before) ? before + 1 : 1;
  const properties = { [RECONSUMETIMES]: String(times), [DELAY_TIME]: String(delayMs) };
  if (times > policy.maxRedeliverCount && policy.deadLetterTopic)
    return { topic: policy.deadLetterTopic, dead: true, extras: { properties } };
  return { topic: policy.retryLetterTopic!, dead: false, extras: { properties, deliverAtTime: delayMs > 0 ? now + delayMs : undefined } };
}
