// The backends cortado knows, by URL scheme: the one place that ties the façade to the engines.
import { registerBackend } from './core/backend-registry';
import { pulsarBackend } from './pulsar/backend';

registerBackend(pulsarBackend);
