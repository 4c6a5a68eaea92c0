import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

/** What the Java bench drivers (CortadoBench, KafkaBench) share: arguments, CPU time, peak RSS and the RESULT line. */
final class BenchSupport {
  private BenchSupport() {}

  /** key=value arguments. */
  static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      m.put(a.substring(0, eq), a.substring(eq + 1));
    }
    return m;
  }

  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  // peak resident set size of this process, from the kernel
  static double peakRssMb() throws Exception {
    for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
    }
    return Double.NaN;
  }

  /** The value at percentile p of ascending nanoseconds, in ms. */
  static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) return Double.NaN;
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p / 100 * sorted.length))] / 1e6;
  }

  /** The RESULT json; NaN latencies (consume) are null. */
  static String json(int messages, double seconds, double p50, double p99, double cpuSec) throws Exception {
    return String.format(java.util.Locale.ROOT,
        "{\"messages\":%d,\"seconds\":%.6f,\"p50Ms\":%s,\"p99Ms\":%s,\"cpuSec\":%.6f,\"rssMb\":%.1f}",
        messages, seconds, Double.isNaN(p50) ? "null" : String.format(java.util.Locale.ROOT, "%.4f", p50),
        Double.isNaN(p99) ? "null" : String.format(java.util.Locale.ROOT, "%.4f", p99), cpuSec, peakRssMb());
  }
}
