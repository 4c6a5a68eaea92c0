import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.common.schema.SchemaInfo;

// The Java client with Schema.AVRO / Schema.JSON of a POJO, for cortado's schema interop tests.
// info <avro|json>                                  prints the SchemaInfo the client registers
// produce <url> <topic> <avro|json> <n>             sends n Readings (name r<i>, count i, score i/2, note null on odd i)
// consume <url> <topic> <sub> <avro|json> <n>       prints n received Readings as JSON lines
public class PulsarSchemaTool {
  /** The POJO both sides agree on; field order is the schema's field order. */
  public static class Reading {
    public String name;
    public int count;
    public double score;
    public String note;
  }

  static final ObjectMapper JSON = new ObjectMapper();

  static Schema<Reading> schemaOf(String kind) {
    if (kind.equals("avro")) return Schema.AVRO(Reading.class);
    if (kind.equals("json")) return Schema.JSON(Reading.class);
    throw new IllegalArgumentException("schema kind must be avro or json, not " + kind);
  }

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "info": {
        SchemaInfo info = schemaOf(args[1]).getSchemaInfo();
        ObjectNode out = JSON.createObjectNode();
        out.put("type", info.getType().toString());
        out.put("schema", new String(info.getSchema(), StandardCharsets.UTF_8));
        ObjectNode props = out.putObject("properties");
        for (Map.Entry<String, String> e : info.getProperties().entrySet()) props.put(e.getKey(), e.getValue());
        System.out.println(JSON.writeValueAsString(out));
        return;
      }
      case "produce": {
        try (PulsarClient client = PulsarClient.builder().serviceUrl(args[1]).build();
            Producer<Reading> p = client.newProducer(schemaOf(args[3])).topic(args[2]).enableBatching(false).create()) {
          int n = Integer.parseInt(args[4]);
          for (int i = 0; i < n; i++) {
            Reading r = new Reading();
            r.name = "r" + i;
            r.count = i;
            r.score = i / 2.0;
            r.note = i % 2 == 0 ? "even" : null;
            p.send(r);
          }
          System.out.println("{\"sent\":" + n + "}");
        }
        return;
      }
      case "consume": {
        try (PulsarClient client = PulsarClient.builder().serviceUrl(args[1]).build();
            Consumer<Reading> c =
                client.newConsumer(schemaOf(args[4])).topic(args[2]).subscriptionName(args[3])
                    .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe()) {
          int n = Integer.parseInt(args[5]);
          for (int i = 0; i < n; i++) {
            Message<Reading> m = c.receive(60, TimeUnit.SECONDS);
            if (m == null) throw new IllegalStateException("received " + i + " of " + n);
            System.out.println(JSON.writeValueAsString(m.getValue()));
            c.acknowledge(m);
          }
        }
        return;
      }
      default:
        throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }
}
