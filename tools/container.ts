import { PULSAR_VERSION } from './distribution';

// The Docker path: apachepulsar/pulsar in a container run by testcontainers.

let answered: Promise<boolean> | undefined;

/** Whether a container runtime answers; asked once per process (CORTADO_NO_DOCKER=1 says no). */
export function dockerAvailable(): Promise<boolean> {
  answered ??= (async () => {
    if (process.env.CORTADO_NO_DOCKER) return false;
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      await getContainerRuntimeClient();
      return true;
    } catch {
      return false;
    }
  })();
  return answered;
}

export interface StartedContainer {
  serviceUrl: string;
  adminUrl: string;
  stop(): Promise<void>;
}

/** Starts `apachepulsar/pulsar:<version>` standalone and waits until public/default exists. */
export async function startContainer(timeoutMs: number): Promise<StartedContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const c = await new GenericContainer(`apachepulsar/pulsar:${PULSAR_VERSION}`)
    .withCommand(['bin/pulsar', 'standalone', '--no-functions-worker', '-nss'])
    .withEnvironment({ PULSAR_MEM: process.env.PULSAR_MEM ?? '-Xms512m -Xmx1g -XX:MaxDirectMemorySize=1g' })
    .withExposedPorts(6650, 8080)
    .withWaitStrategy(
      Wait.forAll([
        Wait.forHttp('/admin/v2/clusters', 8080).forResponsePredicate((b) => b.includes('standalone')),
        Wait.forHttp('/admin/v2/namespaces/public', 8080).forResponsePredicate((b) => b.includes('public/default')),
      ]),
    )
    .withStartupTimeout(timeoutMs)
    .start();
  const host = c.getHost();
  return {
    serviceUrl: `pulsar://${host}:${c.getMappedPort(6650)}`,
    adminUrl: `http://${host}:${c.getMappedPort(8080)}`,
    stop: async () => {
      await c.stop();
    },
  };
}
