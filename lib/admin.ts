// The public Admin's types: `new Admin(options)` gives the admin client of the backend its URL names.
import type { AnyAdmin } from './core/backend';
import { Admin as AdminByUrl } from './core/admin';
import type { ClientOptions } from './core/types';
import type { KafkaAdmin } from './kafka/admin';
import type { Admin as PulsarAdmin, AdminOptions as PulsarAdminOptions } from './pulsar/admin';

/** A Kafka Admin's options: the client's connection, TLS, SASL and OAuth2 options (no adminUrl: it talks to the brokers). */
export type KafkaAdminOptions = ClientOptions & { url?: string };

/** The options of `new Admin(...)`: Pulsar's (adminUrl for its REST API) or Kafka's (the brokers' url). */
export type AdminOptions = PulsarAdminOptions | KafkaAdminOptions;

export interface AdminConstructor {
  /** a kafka:// or kafka+ssl:// URL in code: Kafka's admin (topics, partitions, leaders over the Kafka protocol) */
  new (options: KafkaAdminOptions & { url: `kafka://${string}` | `kafka+ssl://${string}` }, env?: NodeJS.ProcessEnv): KafkaAdmin;
  /**
   * The admin of the backend named by `url`, CORTADO_URL or a platform's variables: typed as Pulsar's
   * unless named, e.g. `new Admin<KafkaAdmin>()` when CORTADO_URL is kafka://.
   */
  new <A extends AnyAdmin = PulsarAdmin>(options?: AdminOptions, env?: NodeJS.ProcessEnv): A;
}

export const Admin = AdminByUrl as unknown as AdminConstructor;
/** The Pulsar admin's type, as before; the Kafka one is `KafkaAdmin`. */
export type Admin = PulsarAdmin;
