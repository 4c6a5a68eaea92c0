import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java side of `npm run bench -- --backend kafka`: the same work as bench/kafka-driver.ts with
 * the official clients, one scenario per JVM, printing one line "RESULT {json}" with rate, latency,
 * CPU seconds and peak RSS. Produce: KafkaProducer (acks=all, idempotence, 5 requests in flight).
 * Consume (mode=consume): a KafkaConsumer in group `group` reading a backlog from the earliest
 * offset with auto-commit on. Arguments are key=value: mode, url, topic, messages, warmup,
 * inFlight, lingerMs, batchBytes, compression (none|lz4|zstd), size, group.
 */
public final class KafkaBench {
  public static void main(String[] argv) throws Exception {
    Map<String, String> a = BenchSupport.parse(argv);
    String topic = a.get("topic");
    int messages = Integer.parseInt(a.get("messages"));
    int warmup = Integer.parseInt(a.get("warmup"));
    if ("consume".equals(a.get("mode"))) {
      System.out.println("RESULT " + consume(a.get("url"), topic, a.get("group"), messages, warmup));
      System.exit(0);
    }
    int inFlight = Integer.parseInt(a.get("inFlight"));
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.get("url").replaceFirst("^kafka://", ""));
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "cortado-bench");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
    p.put(ProducerConfig.LINGER_MS_CONFIG, a.get("lingerMs"));
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, a.get("batchBytes"));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, a.get("compression"));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    byte[] value = new byte[Integer.parseInt(a.get("size"))];
    Arrays.fill(value, (byte) 'x');
    String[] keys = new String[1000];
    for (int i = 0; i < keys.length; i++) keys[i] = "k" + i;
    String result;
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      run(producer, topic, keys, value, warmup, inFlight, new long[warmup]);
      long[] lat = new long[messages];
      long cpu0 = BenchSupport.cpuNanos();
      long t0 = System.nanoTime();
      run(producer, topic, keys, value, messages, inFlight, lat);
      double secs = (System.nanoTime() - t0) / 1e9;
      double cpu = (BenchSupport.cpuNanos() - cpu0) / 1e9;
      Arrays.sort(lat);
      result = BenchSupport.json(messages, secs, BenchSupport.percentile(lat, 50), BenchSupport.percentile(lat, 99), cpu);
    }
    System.out.println("RESULT " + result);
    System.exit(0);
  }

  // warmup + messages records of the backlog through poll(); the measured part starts after the warmup-th
  private static String consume(String url, String topic, String group, int messages, int warmup) throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, url.replaceFirst("^kafka://", ""));
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cortado-bench");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(Collections.singletonList(topic));
      long seen = 0;
      long from = -1;
      long cpu0 = 0;
      long t0 = 0;
      while (seen < (long) warmup + messages) {
        seen += consumer.poll(Duration.ofMillis(500)).count();
        if (from < 0 && seen >= warmup) {
          from = seen;
          cpu0 = BenchSupport.cpuNanos();
          t0 = System.nanoTime();
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      double cpu = (BenchSupport.cpuNanos() - cpu0) / 1e9;
      return BenchSupport.json((int) (seen - from), secs, Double.NaN, Double.NaN, cpu);
    }
  }

  // n sends, at most inFlight unanswered at a time; lat[i] = nanoseconds from send to answer
  private static void run(KafkaProducer<String, byte[]> producer, String topic, String[] keys, byte[] value, int n, int inFlight,
      long[] lat) throws Exception {
    if (inFlight == 1) {
      for (int i = 0; i < n; i++) {
        long s = System.nanoTime();
        producer.send(new ProducerRecord<>(topic, keys[i % keys.length], value)).get();
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
      producer.send(new ProducerRecord<>(topic, keys[i % keys.length], value), (md, err) -> {
        lat[at] = System.nanoTime() - s;
        if (err != null) failure.compareAndSet(null, err);
        window.release();
        done.countDown();
      });
    }
    done.await();
    if (failure.get() != null) throw new RuntimeException(failure.get());
  }
}
