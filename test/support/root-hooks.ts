// every backend registered, as the public entry point does, for tests that import inner modules
import '../../lib/backends';
import { stopBroker } from './broker';
import { closeHarnessProducers } from './fake-producer-connection';
import { stopKafkaBroker } from './kafka-broker';

// Mocha root hooks: after every test file ran, stop the shared brokers (only integration tests start them).
export const mochaHooks = {
  async afterEach() {
    await closeHarnessProducers();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await Promise.all([stopBroker(), stopKafkaBroker()]);
  },
};
