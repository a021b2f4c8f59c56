package org.kvmsriov.adapters.sysfs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The kernel's cpulist format ({@code "0-3,8-11\n"}, {@code "\n"} for no CPUs), parsed strictly. */
final class CpuList {

  private static final Pattern RANGE = Pattern.compile("(0|[1-9][0-9]{0,4})(?:-(0|[1-9][0-9]{0,4}))?");

  private CpuList() {}

  /** The CPUs the file lists, ascending; ranges must ascend and not overlap, as the kernel prints them. */
  static List<Integer> parse(Path file) {
    String s = SysfsText.line(file);
    List<Integer> cpus = new ArrayList<>();
    if (s.isEmpty()) {
      return cpus;
    }
    int next = 0;
    for (String part : s.split(",", -1)) {
      Matcher m = RANGE.matcher(part);
      if (!m.matches()) {
        throw new SysfsException(file, "holds '" + s + "', not a CPU list like 0-3,8-11");
      }
      int from = Integer.parseInt(m.group(1));
      int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
      if (from < next || to < from) {
        throw new SysfsException(file, "holds '" + s + "', whose ranges are not ascending");
      }
      for (int c = from; c <= to; c++) {
        cpus.add(c);
      }
      next = to + 1;
    }
    return cpus;
  }
}
