import { expect } from 'chai';
import { Client, ProducerOptions, RecordMetadata } from '../../../../lib';
import { murmur2Of } from '../../../../strategies';
import { ScriptedKafkaBroker } from '../../../support/scripted-kafka-broker';

const T = 'clicks';

// The whole Client and Producer against the scripted Kafka peer: where keyless records go under murmur2.
describe('Kafka sticky partitioning of keyless records under murmur2 (scripted broker)', function () {
  this.timeout(8000);
  let peer: ScriptedKafkaBroker;
  let client: Client;

  beforeEach(async () => {
    peer = await ScriptedKafkaBroker.start({ topics: { [T]: 4 } });
    client = new Client({ url: peer.url, operationTimeoutMs: 2000 }, {});
  });

  afterEach(async () => {
    await client.close();
    await peer.stop();
    expect(peer.errors).to.deep.equal([]);
  });

  async function partitionsOf(opts: ProducerOptions, keys: Array<string | null>, value = 'v'.repeat(100)): Promise<number[]> {
    const p = client.producer<RecordMetadata>({ topics: [T], ...opts });
    await p.start();
    const out: number[] = [];
    for (const k of keys) out.push((await p.produceSync(T, k, value)).partition);
    await p.close();
    return out;
  }

  it('keyless records stay on one partition for batchingMaxBytes bytes, then move to a picked one', async () => {
    // 100-byte values, 1000-byte batches: ten records a partition
    const got = await partitionsOf({ partitionStrategy: 'murmur2', batchingMaxBytes: 1000 }, Array(60).fill(null));
    for (let w = 0; w < 60; w += 10)
      expect(new Set(got.slice(w, w + 10)).size, `records ${w}..${w + 9}: ${got.slice(w, w + 10)}`).to.equal(1);
    // six picks among four partitions: all six equal has odds of 1 in 1024
    expect(new Set(got).size).to.be.above(1);
    // the broker got them in batches of one partition each, in the order sent
    expect(
      peer
        .log(T, got[0])
        .slice(0, 10)
        .map((r) => r.value?.length),
    ).to.deep.equal(Array(10).fill(100));
  });

  it('keyed records in between keep Kafka’s murmur2 partition; the keyless ones around them stay on the sticky one', async () => {
    const keys = ['user-1', null, 'user-2', null, 'user-3', null];
    const got = await partitionsOf({ partitionStrategy: 'murmur2', batchingMaxBytes: 1000 }, keys);
    keys.forEach((k, i) => {
      if (k !== null) expect(got[i], k).to.equal((murmur2Of(k) & 0x7fffffff) % 4);
    });
    expect(new Set([got[1], got[3], got[5]]).size).to.equal(1);
  });

  it('other strategies are not sticky: md5 sends keyless records round robin, as before', async () => {
    const got = await partitionsOf({ partitionStrategy: 'md5' }, Array(8).fill(null));
    expect(new Set(got).size).to.equal(4);
  });
});
