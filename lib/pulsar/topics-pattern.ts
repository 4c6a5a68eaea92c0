import { TopicsMode } from '../../protocol/pulsar/proto';
import { ConfigError } from '../core/errors';
import { envNameOf } from '../core/options';

/** A consumer's topicsPattern, resolved as the Java client's TopicName does. */
export interface TopicsPattern {
  /** `tenant/namespace`, the namespace whose topics are listed */
  namespace: string;
  /** the pattern with its domain, as sent to the broker (`persistent://public/default/orders-.*`) */
  text: string;
  /** persistent or non-persistent topics */
  mode: TopicsMode;
  /** whether `persistent://tenant/ns/name` (partition suffix removed) matches, whole */
  matches(topic: string): boolean;
}

const SHAPES = '`<regex>` (in public/default), `tenant/namespace/<regex>` or `persistent://tenant/namespace/<regex>`';
const NAME = /^[\w.=:-]+$/;

// A ConfigError naming the topicsPattern option.
function bad(pattern: string, why: string): ConfigError {
  return new ConfigError(
    `topicsPattern ${JSON.stringify(pattern)} ${why}; expected ${SHAPES}`,
    'topicsPattern',
    envNameOf('topicsPattern'),
    pattern,
  );
}

/** Resolves a pattern: no domain means persistent, no namespace means public/default (as Java's TopicName). */
export function parseTopicsPattern(pattern: string): TopicsPattern {
  const sep = pattern.indexOf('://');
  const domain = sep < 0 ? 'persistent' : pattern.slice(0, sep);
  if (domain !== 'persistent' && domain !== 'non-persistent')
    throw bad(pattern, `has the domain ${domain}, not persistent or non-persistent`);
  const rest = sep < 0 ? pattern : pattern.slice(sep + 3);
  const parts = rest.split('/');
  let path: string;
  if (parts.length === 1) path = `public/default/${rest}`;
  else if (parts.length >= 3 && NAME.test(parts[0]) && NAME.test(parts[1]) && parts.slice(2).join('/') !== '') path = rest;
  else throw bad(pattern, 'does not name a namespace');
  const [tenant, ns] = path.split('/');
  let re: RegExp;
  try {
    // the broker matches the name without its domain, whole (Java's Matcher.matches)
    re = new RegExp(`^(?:${path})$`);
  } catch (err) {
    throw bad(pattern, `is not a regular expression (${(err as Error).message})`);
  }
  return {
    namespace: `${tenant}/${ns}`,
    text: `${domain}://${path}`,
    mode: domain === 'persistent' ? TopicsMode.PERSISTENT : TopicsMode.NON_PERSISTENT,
    matches: (topic) => {
      const name = baseTopicOf(topic).topic;
      const at = name.indexOf('://');
      return re.test(at < 0 ? name : name.slice(at + 3));
    },
  };
}

/** `persistent://a/b/t-partition-3` → `{ topic: 'persistent://a/b/t', partition: 3, partitioned: true }`. */
export function baseTopicOf(name: string): { topic: string; partition: number; partitioned: boolean } {
  const m = /^(.*)-partition-(\d+)$/.exec(name);
  return m ? { topic: m[1], partition: Number(m[2]), partitioned: true } : { topic: name, partition: 0, partitioned: false };
}

/** System topics (`__change_events`, transaction buffers) are never a pattern's (as the broker filters them). */
export function isSystemTopic(name: string): boolean {
  return name.slice(name.lastIndexOf('/') + 1).startsWith('__');
}
