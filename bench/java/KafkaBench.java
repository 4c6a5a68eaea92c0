import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java side of `npm run bench -- --backend kafka`: the same sends as bench/kafka-driver.ts with
 * the official KafkaProducer (acks=all, idempotence, 5 requests in flight), one scenario per JVM,
 * printing one line "RESULT {json}" with rate, latency, CPU seconds and peak RSS.
 * Arguments are key=value: url, topic, messages, warmup, inFlight, lingerMs, batchBytes,
 * compression (none|lz4|zstd), size.
 */
public final class KafkaBench {
  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      m.put(a.substring(0, eq), a.substring(eq + 1));
    }
    return m;
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  // peak resident set size of this process, from the kernel
  private static double peakRssMb() throws Exception {
    for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
    }
    return Double.NaN;
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) return Double.NaN;
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p / 100 * sorted.length))] / 1e6;
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = parse(argv);
    String topic = a.get("topic");
    int messages = Integer.parseInt(a.get("messages"));
    int warmup = Integer.parseInt(a.get("warmup"));
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
      long cpu0 = cpuNanos();
      long t0 = System.nanoTime();
      run(producer, topic, keys, value, messages, inFlight, lat);
      double secs = (System.nanoTime() - t0) / 1e9;
      double cpu = (cpuNanos() - cpu0) / 1e9;
      Arrays.sort(lat);
      result = String.format(java.util.Locale.ROOT,
          "{\"messages\":%d,\"seconds\":%.6f,\"p50Ms\":%.4f,\"p99Ms\":%.4f,\"cpuSec\":%.6f,\"rssMb\":%.1f}",
          messages, secs, percentile(lat, 50), percentile(lat, 99), cpu, peakRssMb());
    }
    System.out.println("RESULT " + result);
    System.exit(0);
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
