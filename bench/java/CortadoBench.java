import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;

/**
 * The Java side of `npm run bench`: the same work as bench/cortado-driver.ts, one scenario per
 * JVM, printing one line "RESULT {json}" with rate, latency, CPU seconds and peak RSS.
 * Arguments are key=value: mode (produce|consume), url, topic, messages, warmup, inFlight,
 * batching (true|false), compression (none|lz4|zstd), size, subscription.
 */
public final class CortadoBench {
  public static void main(String[] argv) throws Exception {
    Map<String, String> a = BenchSupport.parse(argv);
    String url = a.get("url");
    String topic = a.get("topic");
    int messages = Integer.parseInt(a.get("messages"));
    int warmup = Integer.parseInt(a.get("warmup"));
    try (PulsarClient client = PulsarClient.builder().serviceUrl(url).build()) {
      String result = "consume".equals(a.get("mode"))
          ? consume(client, topic, a.get("subscription"), messages, warmup)
          : produce(client, topic, messages, warmup, Integer.parseInt(a.get("inFlight")),
              Boolean.parseBoolean(a.get("batching")), a.get("compression"), Integer.parseInt(a.get("size")));
      System.out.println("RESULT " + result);
    }
    System.exit(0);
  }

  private static String produce(PulsarClient client, String topic, int messages, int warmup, int inFlight,
      boolean batching, String compression, int size) throws Exception {
    ProducerBuilder<byte[]> b = client.newProducer().topic(topic).enableBatching(batching)
        .sendTimeout(60, TimeUnit.SECONDS).blockIfQueueFull(true).maxPendingMessages(100_000)
        .compressionType("lz4".equals(compression) ? CompressionType.LZ4
            : "zstd".equals(compression) ? CompressionType.ZSTD : CompressionType.NONE);
    if (batching) {
      b.batchingMaxMessages(1000).batchingMaxBytes(128 * 1024).batchingMaxPublishDelay(10, TimeUnit.MILLISECONDS);
    }
    byte[] value = new byte[size];
    Arrays.fill(value, (byte) 'x');
    String[] keys = new String[1000];
    for (int i = 0; i < keys.length; i++) keys[i] = "k" + i;
    try (Producer<byte[]> producer = b.create()) {
      run(producer, keys, value, warmup, inFlight, new long[warmup]);
      long[] lat = new long[messages];
      long cpu0 = BenchSupport.cpuNanos();
      long t0 = System.nanoTime();
      run(producer, keys, value, messages, inFlight, lat);
      double secs = (System.nanoTime() - t0) / 1e9;
      double cpu = (BenchSupport.cpuNanos() - cpu0) / 1e9;
      Arrays.sort(lat);
      return BenchSupport.json(messages, secs, BenchSupport.percentile(lat, 50), BenchSupport.percentile(lat, 99), cpu);
    }
  }

  // n sends, at most inFlight unacknowledged at a time; lat[i] = nanoseconds from send to receipt
  private static void run(Producer<byte[]> producer, String[] keys, byte[] value, int n, int inFlight, long[] lat) throws Exception {
    if (inFlight == 1) {
      for (int i = 0; i < n; i++) {
        long s = System.nanoTime();
        producer.newMessage().key(keys[i % keys.length]).value(value).send();
        lat[i] = System.nanoTime() - s;
      }
      return;
    }
    Semaphore window = new Semaphore(inFlight);
    CountDownLatch done = new CountDownLatch(n);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < n; i++) {
      window.acquire();
      final int at = i;
      final long s = System.nanoTime();
      producer.newMessage().key(keys[i % keys.length]).value(value).sendAsync().whenComplete((id, err) -> {
        lat[at] = System.nanoTime() - s;
        if (err != null) failure.compareAndSet(null, err);
        window.release();
        done.countDown();
      });
    }
    done.await();
    if (failure.get() != null) throw new RuntimeException(failure.get());
  }

  private static String consume(PulsarClient client, String topic, String subscription, int messages, int warmup) throws Exception {
    try (Consumer<byte[]> consumer = client.newConsumer().topic(topic).subscriptionName(subscription)
        .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).receiverQueueSize(1000).subscribe()) {
      for (int i = 0; i < warmup; i++) consumer.acknowledgeAsync(consumer.receive());
      long cpu0 = BenchSupport.cpuNanos();
      long t0 = System.nanoTime();
      long bytes = 0;
      for (int i = 0; i < messages; i++) {
        Message<byte[]> m = consumer.receive();
        bytes += m.getValue().length;
        consumer.acknowledgeAsync(m);
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      double cpu = (BenchSupport.cpuNanos() - cpu0) / 1e9;
      if (bytes == 0 && messages > 0) throw new IllegalStateException("received only empty payloads");
      return BenchSupport.json(messages, secs, Double.NaN, Double.NaN, cpu);
    }
  }
}
