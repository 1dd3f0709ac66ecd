// bench/java/Stamps.java: Java's DateTimeFormatter with the seed's exact format
// (KubernetesClient.K8STimestampFormat; its toString is checked against SPEC A2's printed
// name) on the timestamp benchmark's file (bench/stamps_bench.lua): every line parsed with
// Instant.from(format.parse(s)) in 5 passes (the JIT warms up in the first); prints
// "best_ns_per_parse checksum" (the sum of seconds and nanoseconds).
// Usage: java Stamps FILE
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.List;

public class Stamps {
  static final String NAME = "ParseCaseSensitive(false)Value(Year)'-'Value(MonthOfYear,2)'-'"
      + "Value(DayOfMonth,2)'T'Value(HourOfDay,2)':'Value(MinuteOfHour,2)':'"
      + "Value(SecondOfMinute,2)Fraction(NanoOfSecond,1,9,DecimalPoint)'Z'";

  public static void main(String[] args) throws Exception {
    DateTimeFormatter format = new DateTimeFormatterBuilder()
        .parseCaseInsensitive()
        .appendValue(ChronoField.YEAR)
        .appendLiteral('-')
        .appendValue(ChronoField.MONTH_OF_YEAR, 2)
        .appendLiteral('-')
        .appendValue(ChronoField.DAY_OF_MONTH, 2)
        .appendLiteral('T')
        .appendValue(ChronoField.HOUR_OF_DAY, 2)
        .appendLiteral(':')
        .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
        .appendLiteral(':')
        .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
        .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
        .appendLiteral('Z')
        .toFormatter()
        .withZone(ZoneId.of("UTC"));
    if (!format.toString().equals(NAME)) {
      System.err.println("not the seed's format: " + format);
      System.exit(1);
    }
    List<String> lines = Files.readAllLines(Paths.get(args[0]));
    double best = Double.MAX_VALUE;
    long check = 0;
    for (int pass = 0; pass < 5; pass++) {
      long sum = 0;
      long t0 = System.nanoTime();
      for (String s : lines) {
        Instant t = Instant.from(format.parse(s));
        sum += t.getEpochSecond() + t.getNano();
      }
      best = Math.min(best, (double) (System.nanoTime() - t0) / lines.size());
      check = sum;
    }
    System.out.printf("%.1f %s%n", best, Long.toUnsignedString(check));
  }
}
