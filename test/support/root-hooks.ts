import { stopBroker } from './broker';

// Stops the shared broker once, after every test file ran.
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopBroker();
  },
};
