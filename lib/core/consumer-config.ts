import { parseFor } from './config';
import { consumerShape, ConsumerConfig } from './shapes';

export { consumerShape, INITIAL_POSITIONS } from './shapes';
export type { ConsumerConfig } from './shapes';

export type ConsumerConfigOptions = Omit<import('./types').ConsumerOptions, 'handleMessages'>;

export function parseConsumerConfig(code: ConsumerConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  const { config, backend } = parseFor('consumer', consumerShape, code as Record<string, unknown>, env);
  backend.checkConsumer?.(config as ConsumerConfig);
  return config as ConsumerConfig;
}
