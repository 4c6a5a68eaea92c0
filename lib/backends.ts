// The backends cortado knows, by URL scheme: the one place that ties the façade to the engines.
import { registerBackend } from './core/backend-registry';
import { kafkaBackend } from './kafka/backend';
import { pulsarBackend } from './pulsar/backend';

// the first registered gives the default URL
registerBackend(pulsarBackend);
registerBackend(kafkaBackend);
