import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The official Java client as an independent reader and writer for cortado's Kafka interop tests.
 * Prints one JSON object per line on stdout; bytes travel as base64. Driven by tools/kafka-java.ts.
 *
 * <pre>
 * KafkaTool [--config client.properties] create-topic   BOOTSTRAP TOPIC PARTITIONS REPLICATION [key=value...]
 * KafkaTool [--config client.properties] describe-topic BOOTSTRAP TOPIC
 * KafkaTool [--config client.properties] consume        BOOTSTRAP TOPIC COUNT TIMEOUT_MS
 * KafkaTool [--config client.properties] consume-to-end BOOTSTRAP TOPIC TIMEOUT_MS   (last line: {"endOffsets":[...]})
 * KafkaTool [--config client.properties] produce        BOOTSTRAP TOPIC   (stdin: {"key","value","partition"?,"headers"?,"timestamp"?} per line)
 * KafkaTool [--config client.properties] partition-for  BOOTSTRAP TOPIC KEY...
 * KafkaTool [--config client.properties] consume-group  BOOTSTRAP TOPIC GROUP   (until stdin closes; prints
 *     {"event":"assigned"|"revoked"|"lost","partitions":[..],"at":ms} and records with "at")
 * KafkaTool [--config client.properties] produce-transactional BOOTSTRAP TOPIC   (stdin: records as for produce,
 *     and {"begin":true}, {"commit":true}, {"abort":true} lines)
 * </pre>
 */
public final class KafkaTool {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.UTF_8);

  public static void main(String[] argv) throws Exception {
    List<String> a = new ArrayList<>(Arrays.asList(argv));
    Properties base = new Properties();
    if (a.size() >= 2 && a.get(0).equals("--config")) {
      try (InputStream in = new FileInputStream(a.get(1))) {
        base.load(in);
      }
      a = a.subList(2, a.size());
    }
    if (a.size() < 3) usage();
    base.put("bootstrap.servers", a.get(1));
    base.put("client.id", "cortado-kafka-tool");
    String topic = a.get(2);
    int code;
    switch (a.get(0)) {
      case "create-topic":
        if (a.size() < 5) usage();
        code = createTopic(base, topic, Integer.parseInt(a.get(3)), Short.parseShort(a.get(4)), a.subList(5, a.size()));
        break;
      case "describe-topic":
        code = describeTopic(base, topic);
        break;
      case "consume":
        if (a.size() != 5) usage();
        code = consume(base, topic, Integer.parseInt(a.get(3)), Long.parseLong(a.get(4)));
        break;
      case "consume-to-end":
        if (a.size() != 4) usage();
        code = consumeToEnd(base, topic, Long.parseLong(a.get(3)));
        break;
      case "produce":
        code = produce(base, topic);
        break;
      case "partition-for":
        code = partitionFor(base, topic, a.subList(3, a.size()));
        break;
      case "consume-group":
        if (a.size() != 4) usage();
        code = consumeGroup(base, topic, a.get(3));
        break;
      case "produce-transactional":
        code = produceTransactional(base, topic);
        break;
      default:
        usage();
        return;
    }
    OUT.flush();
    // the clients' threads are closed, but exit does not wait on any straggler
    System.exit(code);
  }

  private static void usage() {
    System.err.println("usage: KafkaTool [--config FILE] create-topic|describe-topic|consume|consume-to-end|produce|partition-for|consume-group|produce-transactional BOOTSTRAP TOPIC ...");
    System.exit(64);
  }

  private static String b64(byte[] b) {
    return b == null ? null : Base64.getEncoder().encodeToString(b);
  }

  private static byte[] unb64(JsonNode n) {
    return n == null || n.isNull() ? null : Base64.getDecoder().decode(n.asText());
  }

  private static Admin admin(Properties base) {
    Properties p = new Properties();
    p.putAll(base);
    p.put("request.timeout.ms", "15000");
    p.put("default.api.timeout.ms", "30000");
    return Admin.create(p);
  }

  private static int createTopic(Properties base, String topic, int partitions, short rf, List<String> configs) throws Exception {
    Map<String, String> cfg = new HashMap<>();
    for (String kv : configs) {
      int eq = kv.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("topic config must be key=value: " + kv);
      cfg.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    try (Admin admin = admin(base)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, rf).configs(cfg))).all().get();
      // a topic created a moment ago may have no leader yet: wait until every partition has one
      long deadline = System.currentTimeMillis() + 30_000;
      for (;;) {
        boolean led;
        try {
          TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
          led = d.partitions().size() == partitions;
          for (TopicPartitionInfo p : d.partitions()) led &= p.leader() != null && !p.leader().isEmpty();
        } catch (ExecutionException e) {
          // a broker that has not yet seen the new topic's metadata (one just restarted) answers unknown
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) throw e;
          led = false;
        }
        if (led) break;
        if (System.currentTimeMillis() > deadline) {
          System.err.println("topic " + topic + " has partitions without a leader after 30 s");
          return 3;
        }
        Thread.sleep(100);
      }
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("topic", topic);
    o.put("partitions", partitions);
    OUT.println(JSON.writeValueAsString(o));
    return 0;
  }

  private static ArrayNode ids(List<Node> nodes) {
    ArrayNode arr = JSON.createArrayNode();
    for (Node n : nodes) arr.add(n.id());
    return arr;
  }

  private static int describeTopic(Properties base, String topic) throws Exception {
    try (Admin admin = admin(base)) {
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      for (TopicPartitionInfo p : d.partitions()) {
        ObjectNode o = JSON.createObjectNode();
        o.put("partition", p.partition());
        if (p.leader() == null || p.leader().isEmpty()) o.putNull("leader");
        else o.put("leader", p.leader().id());
        o.set("replicas", ids(p.replicas()));
        o.set("isr", ids(p.isr()));
        OUT.println(JSON.writeValueAsString(o));
      }
    }
    return 0;
  }

  /** Reads every partition from its beginning without a group (nothing is committed) until COUNT records or the deadline. */
  private static int consume(Properties base, String topic, int count, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    Properties p = new Properties();
    p.putAll(base);
    p.put("enable.auto.commit", "false");
    p.put("auto.offset.reset", "earliest");
    int got = 0;
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> parts = List.of();
      while (parts.isEmpty() && System.currentTimeMillis() < deadline) {
        parts = c.partitionsFor(topic, Duration.ofMillis(Math.max(1, Math.min(5000, deadline - System.currentTimeMillis()))));
        if (parts.isEmpty()) Thread.sleep(100);
      }
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : parts) tps.add(new TopicPartition(topic, pi.partition()));
      c.assign(tps);
      c.seekToBeginning(tps);
      while (got < count && System.currentTimeMillis() < deadline) {
        long left = Math.max(1, Math.min(500, deadline - System.currentTimeMillis()));
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(left))) {
          if (got == count) break;
          ObjectNode o = JSON.createObjectNode();
          o.put("partition", r.partition());
          o.put("offset", r.offset());
          o.put("key", b64(r.key()));
          o.put("value", b64(r.value()));
          ArrayNode hs = JSON.createArrayNode();
          for (Header h : r.headers()) hs.addArray().add(h.key()).add(b64(h.value()));
          o.set("headers", hs);
          o.put("timestamp", r.timestamp());
          o.put("timestampType", r.timestampType().name);
          OUT.println(JSON.writeValueAsString(o));
          got++;
        }
        OUT.flush();
      }
    }
    if (got < count) {
      System.err.println("consumed " + got + " of " + count + " records from " + topic + " in " + timeoutMs + " ms");
      return 2;
    }
    return 0;
  }

  private static void print(ConsumerRecord<byte[], byte[]> r) throws Exception {
    ObjectNode o = JSON.createObjectNode();
    o.put("partition", r.partition());
    o.put("offset", r.offset());
    o.put("key", b64(r.key()));
    o.put("value", b64(r.value()));
    ArrayNode hs = JSON.createArrayNode();
    for (Header h : r.headers()) hs.addArray().add(h.key()).add(b64(h.value()));
    o.set("headers", hs);
    o.put("timestamp", r.timestamp());
    o.put("timestampType", r.timestampType().name);
    OUT.println(JSON.writeValueAsString(o));
  }

  /** Every record from each partition's beginning up to its end offset as of the start (a chaos run's read-back). */
  private static int consumeToEnd(Properties base, String topic, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    Properties p = new Properties();
    p.putAll(base);
    p.put("enable.auto.commit", "false");
    p.put("auto.offset.reset", "earliest");
    p.put("max.poll.records", "5000");
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> parts = List.of();
      while (parts.isEmpty() && System.currentTimeMillis() < deadline) {
        parts = c.partitionsFor(topic, Duration.ofMillis(Math.max(1, Math.min(5000, deadline - System.currentTimeMillis()))));
        if (parts.isEmpty()) Thread.sleep(100);
      }
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : parts) tps.add(new TopicPartition(topic, pi.partition()));
      tps.sort((x, y) -> Integer.compare(x.partition(), y.partition()));
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())));
      List<TopicPartition> open = new ArrayList<>();
      for (TopicPartition tp : tps) if (c.position(tp) < end.get(tp)) open.add(tp);
      while (!open.isEmpty() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          if (r.offset() < end.get(new TopicPartition(topic, r.partition()))) print(r);
        }
        OUT.flush();
        open.removeIf(tp -> c.position(tp) >= end.get(tp));
      }
      ObjectNode o = JSON.createObjectNode();
      ArrayNode ends = o.putArray("endOffsets");
      for (TopicPartition tp : tps) ends.add(end.get(tp));
      OUT.println(JSON.writeValueAsString(o));
      OUT.flush();
      if (!open.isEmpty()) {
        System.err.println("partitions " + open + " of " + topic + " not read to their end offsets in " + timeoutMs + " ms");
        return 2;
      }
    }
    return 0;
  }

  private static KafkaProducer<byte[], byte[]> producer(Properties base) {
    Properties p = new Properties();
    p.putAll(base);
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("delivery.timeout.ms", "60000");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void printAcks(List<Future<RecordMetadata>> sent) throws Exception {
    for (Future<RecordMetadata> f : sent) {
      RecordMetadata m = f.get();
      ObjectNode o = JSON.createObjectNode();
      o.put("partition", m.partition());
      o.put("offset", m.offset());
      OUT.println(JSON.writeValueAsString(o));
    }
  }

  private static int produce(Properties base, String topic) throws Exception {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      JsonNode r = JSON.readTree(line);
      RecordHeaders headers = new RecordHeaders();
      JsonNode hs = r.get("headers");
      if (hs != null) for (JsonNode h : hs) headers.add(h.get(0).asText(), unb64(h.get(1)));
      Integer partition = r.hasNonNull("partition") ? r.get("partition").asInt() : null;
      Long timestamp = r.hasNonNull("timestamp") ? r.get("timestamp").asLong() : null;
      records.add(new ProducerRecord<>(topic, partition, timestamp, unb64(r.get("key")), unb64(r.get("value")), headers));
    }
    try (KafkaProducer<byte[], byte[]> pr = producer(base)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (ProducerRecord<byte[], byte[]> r : records) sent.add(pr.send(r));
      printAcks(sent);
    }
    return 0;
  }

  /** Sends one record per key (UTF-8) and reports where the producer's default partitioner put it. */
  private static int partitionFor(Properties base, String topic, List<String> keys) throws Exception {
    try (KafkaProducer<byte[], byte[]> pr = producer(base)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (String k : keys) sent.add(pr.send(new ProducerRecord<>(topic, k.getBytes(StandardCharsets.UTF_8), new byte[0])));
      for (int i = 0; i < keys.size(); i++) {
        ObjectNode o = JSON.createObjectNode();
        o.put("key", keys.get(i));
        o.put("partition", sent.get(i).get().partition());
        OUT.println(JSON.writeValueAsString(o));
      }
    }
    return 0;
  }

  private static synchronized void event(String kind, Collection<TopicPartition> parts) {
    ObjectNode o = JSON.createObjectNode();
    o.put("event", kind);
    ArrayNode arr = o.putArray("partitions");
    parts.stream().map(TopicPartition::partition).sorted().forEach(arr::add);
    o.put("at", System.currentTimeMillis());
    OUT.println(o.toString());
    OUT.flush();
  }

  /** A member of consumer group GROUP until stdin closes: prints its assignment changes and every record, committing each poll. */
  private static int consumeGroup(Properties base, String topic, String group) throws Exception {
    Properties p = new Properties();
    p.putAll(base);
    p.put("group.id", group);
    p.put("enable.auto.commit", "false");
    p.putIfAbsent("auto.offset.reset", "earliest");
    AtomicBoolean stop = new AtomicBoolean();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Thread watcher =
          new Thread(
              () -> {
                try {
                  while (System.in.read() >= 0) {}
                } catch (Exception ignored) {
                  // a closed stdin is the signal either way
                }
                stop.set(true);
                c.wakeup();
              });
      watcher.setDaemon(true);
      watcher.start();
      c.subscribe(
          List.of(topic),
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> parts) {
              event("revoked", parts);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> parts) {
              event("assigned", parts);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> parts) {
              event("lost", parts);
            }
          });
      while (!stop.get()) {
        try {
          var records = c.poll(Duration.ofMillis(200));
          for (ConsumerRecord<byte[], byte[]> r : records) {
            ObjectNode o = JSON.createObjectNode();
            o.put("partition", r.partition());
            o.put("offset", r.offset());
            o.put("key", b64(r.key()));
            o.put("value", b64(r.value()));
            o.put("at", System.currentTimeMillis());
            synchronized (KafkaTool.class) {
              OUT.println(JSON.writeValueAsString(o));
            }
          }
          OUT.flush();
          if (!records.isEmpty()) c.commitSync();
        } catch (WakeupException e) {
          // stdin closed: leave the loop and close, which leaves the group
        }
      }
    }
    OUT.flush();
    return 0;
  }

  /** Sends records inside transactions that the {"begin"}, {"commit"} and {"abort"} lines open and end. */
  private static int produceTransactional(Properties base, String topic) throws Exception {
    Properties p = new Properties();
    p.putAll(base);
    p.putIfAbsent("transactional.id", "cortado-kafka-tool-" + topic);
    try (KafkaProducer<byte[], byte[]> pr = producer(p)) {
      pr.initTransactions();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isBlank()) continue;
        JsonNode r = JSON.readTree(line);
        if (r.has("begin")) pr.beginTransaction();
        else if (r.has("commit")) pr.commitTransaction();
        else if (r.has("abort")) {
          pr.flush();
          pr.abortTransaction();
        } else {
          Integer partition = r.hasNonNull("partition") ? r.get("partition").asInt() : null;
          sent.add(pr.send(new ProducerRecord<>(topic, partition, unb64(r.get("key")), unb64(r.get("value")))));
        }
      }
      printAcks(sent);
    }
    return 0;
  }
}
