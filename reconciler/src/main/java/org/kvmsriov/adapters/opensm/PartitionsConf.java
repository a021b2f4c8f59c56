package org.kvmsriov.adapters.opensm;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.PartitionMember;

/**
 * OpenSM's {@code partitions.conf}, read as OpenSM reads it and edited only where kvm-sriov owns
 * the text. The text is kept as it was read, so writing an unedited file is byte-identical, and
 * every edit splices one member (or one kvm-sriov entry) in or out.
 *
 * <p>The grammar follows OpenSM's own parser ({@code osm_prtn_config.c}): {@code #} starts a
 * comment to the end of the line; an entry is {@code HEADER : MEMBERS ;} and may span lines,
 * but its header and {@code :} share one line; the header is {@code [name][=pkey]} followed by
 * comma-separated flags ({@code ipoib}, {@code indx0}, {@code defmember=}, {@code mtu=},
 * {@code rate=}, {@code sl=}, {@code scope=}, ...); members are separated by commas or line ends
 * and are {@code GUID[=full|limited|both]}, {@code ALL}, {@code ALL_CAS}, {@code ALL_SWITCHES},
 * {@code ALL_ROUTERS}, {@code SELF} or {@code NONE}, where words match by prefix as in OpenSM;
 * {@code mgid=...} takes the rest of its line. A file OpenSM would reject is refused here (a
 * {@link PartitionsConfException}): OpenSM falls back to putting every port in the default
 * partition as a full member, so kvm-sriov must neither write such a file nor edit one.
 */
public final class PartitionsConf {

  /** Names of the entries kvm-sriov creates: {@code kvmsriov_0x4e20}. */
  public static final String OUR_PREFIX = "kvmsriov_";

  /** One header flag as written: {@code ipoib}, {@code mtu=5}. */
  public record Flag(String name, Optional<String> value) {
    @Override
    public String toString() {
      return value.map(v -> name + "=" + v).orElse(name);
    }
  }

  /** One item of an entry's member list, with its place in the text ([start, end), trimmed). */
  public sealed interface Member permits Port, Keyword, McastGroup {
    int start();

    int end();
  }

  /** A port GUID with its membership (the flag's, else the entry's default). */
  public record Port(Guid guid, Membership membership, int start, int end) implements Member {}

  /** {@code ALL}, {@code ALL_CAS}, {@code ALL_SWITCHES}, {@code ALL_ROUTERS} or {@code SELF}. */
  public record Keyword(String keyword, Membership membership, int start, int end) implements Member {}

  /** An {@code mgid=...} line: a multicast group OpenSM creates in the partition. */
  public record McastGroup(String text, int start, int end) implements Member {}

  /**
   * One {@code HEADER : MEMBERS ;} entry.
   *
   * @param name the partition name, possibly empty
   * @param pkey the key with the membership bit cleared; empty when OpenSM generates one
   * @param start offset of the header's first character
   * @param colon offset of the {@code :}
   * @param end offset just past the {@code ;} (or the end of the file for an unterminated last entry)
   * @param line 1-based line of the header
   */
  public record Entry(String name, Optional<Pkey> pkey, List<Flag> flags, List<Member> members,
      int start, int colon, int end, int line) {
    public Entry {
      flags = List.copyOf(flags);
      members = List.copyOf(members);
    }

    /** True for an entry kvm-sriov created (and so may edit): named {@code kvmsriov_<pkey>}. */
    public boolean ours() {
      return pkey.isPresent() && name.equals(ourName(pkey.get()));
    }

    public List<Port> ports() {
      return members.stream().filter(Port.class::isInstance).map(Port.class::cast).toList();
    }
  }

  private final String text;
  private final List<Entry> entries;

  private PartitionsConf(String text, List<Entry> entries) {
    this.text = text;
    this.entries = List.copyOf(entries);
  }

  /** Reads {@code text} as OpenSM would; throws {@link PartitionsConfException} where OpenSM would refuse it. */
  public static PartitionsConf parse(String text) {
    return new PartitionsConf(text, new Parser(text).entries());
  }

  /** The file's text: what was read, with the edits made since. */
  public String text() {
    return text;
  }

  public List<Entry> entries() {
    return entries;
  }

  /** The name of kvm-sriov's entry for {@code partition}. */
  public static String ourName(Pkey partition) {
    return OUR_PREFIX + partition.withoutMembership();
  }

  /** Every explicit listing of one of {@code guids}, entries in file order. */
  public List<PartitionMember> members(Set<Guid> guids) {
    return members(guids::contains);
  }

  /**
   * Every explicit listing of a GUID {@code ours} accepts, entries in file order. Members through
   * {@code ALL} and the like are not listings of a GUID.
   */
  public List<PartitionMember> members(Predicate<Guid> ours) {
    List<PartitionMember> out = new ArrayList<>();
    for (Entry e : entries) {
      if (e.pkey().isEmpty()) {
        continue; // OpenSM makes up its key; no NIC can ask for it
      }
      for (Port p : e.ports()) {
        if (ours.test(p.guid())) {
          out.add(new PartitionMember(e.pkey().get(), p.guid(), p.membership(), e.ours()));
        }
      }
    }
    return out;
  }

  /**
   * {@code guid} as a member of {@code partition} with {@code membership}, in kvm-sriov's entry
   * for it (appended to the file when there is none yet). Unchanged when already so.
   */
  public PartitionsConf withMember(Pkey partition, Guid guid, Membership membership) {
    Pkey key = partition.withoutMembership();
    String spec = memberText(guid, membership);
    Optional<Entry> ours = ourEntry(key);
    if (ours.isEmpty()) {
      String sep = text.isEmpty() || text.endsWith("\n") ? "" : "\n";
      return edit(text.length(), text.length(), sep + newEntry(key) + " : " + spec + " ;\n");
    }
    Entry e = ours.get();
    for (Port p : e.ports()) {
      if (p.guid().equals(guid)) {
        return p.membership() == membership ? this : edit(p.start(), p.end(), spec);
      }
    }
    if (e.members().isEmpty()) {
      return edit(e.colon() + 1, e.colon() + 1, " " + spec);
    }
    Member last = e.members().get(e.members().size() - 1);
    // after an mgid line, a comma would make the GUID one of the group's flags
    String sep = last instanceof McastGroup ? "\n  " : ", ";
    return edit(last.end(), last.end(), sep + spec);
  }

  /**
   * The file without {@code guid} in kvm-sriov's entries for {@code partition}; an entry left
   * empty goes too. The operator's entries are not touched.
   */
  public PartitionsConf withoutMember(Pkey partition, Guid guid) {
    Pkey key = partition.withoutMembership();
    for (Entry e : entries) {
      if (!e.ours() || !e.pkey().get().equals(key)) {
        continue;
      }
      List<Member> ms = e.members();
      for (int i = 0; i < ms.size(); i++) {
        if (ms.get(i) instanceof Port p && p.guid().equals(guid)) {
          PartitionsConf next;
          if (ms.size() == 1) {
            next = removeEntry(e);
          } else if (i > 0) {
            next = edit(ms.get(i - 1).end(), p.end(), "");
          } else {
            next = edit(p.start(), ms.get(1).start(), "");
          }
          return next.withoutMember(key, guid); // a hand-edited entry may list it twice
        }
      }
    }
    return this;
  }

  private Optional<Entry> ourEntry(Pkey key) {
    return entries.stream().filter(e -> e.ours() && e.pkey().get().equals(key)).findFirst();
  }

  /**
   * A header for a new entry of ours. OpenSM merges entries with one key, and each entry sets
   * the partition's SL anew, so ours repeats the operator's {@code sl=}; a partition only
   * kvm-sriov defines gets {@code ipoib}, so guests' IPoIB finds its broadcast group.
   */
  private String newEntry(Pkey key) {
    List<Entry> theirs = entries.stream().filter(e -> e.pkey().equals(Optional.of(key)) && !e.ours()).toList();
    StringBuilder b = new StringBuilder(ourName(key)).append('=').append(key);
    if (theirs.isEmpty()) {
      b.append(", ipoib");
    } else {
      theirs.get(theirs.size() - 1).flags().stream()
          .filter(f -> prefixOf(f.name(), "sl") && f.value().isPresent())
          .reduce((a, z) -> z)
          .ifPresent(f -> b.append(", ").append(f));
    }
    return b.toString();
  }

  private PartitionsConf removeEntry(Entry e) {
    int from = e.start();
    while (from > 0 && (text.charAt(from - 1) == ' ' || text.charAt(from - 1) == '\t')) {
      from--;
    }
    int to = e.end();
    int lineEnd = text.indexOf('\n', to);
    String rest = text.substring(to, lineEnd < 0 ? text.length() : lineEnd);
    boolean ownLines = (from == 0 || text.charAt(from - 1) == '\n') && Parser.stripComment(rest).isBlank();
    if (!ownLines) {
      // another entry shares the line: leave ours empty (OpenSM drops empty partitions)
      return edit(e.members().get(0).start(), e.members().get(e.members().size() - 1).end(), "");
    }
    return edit(from, lineEnd < 0 ? text.length() : lineEnd + 1, "");
  }

  private PartitionsConf edit(int from, int to, String replacement) {
    String next = text.substring(0, from) + replacement + text.substring(to);
    return parse(next); // what we write must read back as OpenSM would read it
  }

  static String memberText(Guid guid, Membership membership) {
    return guid.toHex() + "=" + membership.word();
  }

  /** OpenSM compares words with {@code strncmp(word, KEYWORD, strlen(word))}: a prefix matches. */
  static boolean prefixOf(String word, String keyword) {
    return keyword.startsWith(word);
  }

  /** Reads entries from the text with comments blanked out, so offsets are the text's own. */
  private static final class Parser {
    private static final List<String> KEYWORDS = List.of("ALL", "ALL_CAS", "ALL_SWITCHES", "ALL_ROUTERS", "SELF");

    private final String text;
    private final String m;

    Parser(String text) {
      this.text = text;
      this.m = blankComments(text);
    }

    static String blankComments(String text) {
      StringBuilder b = new StringBuilder(text);
      boolean comment = false;
      for (int i = 0; i < b.length(); i++) {
        char c = b.charAt(i);
        if (c == '\n') {
          comment = false;
        } else if (c == '#' || comment) {
          comment = true;
          b.setCharAt(i, ' ');
        }
      }
      return b.toString();
    }

    static String stripComment(String line) {
      int hash = line.indexOf('#');
      return hash < 0 ? line : line.substring(0, hash);
    }

    List<Entry> entries() {
      int cr = text.indexOf('\r');
      if (cr >= 0) {
        throw new PartitionsConfException(line(cr),
            "carriage return: OpenSM reads it as part of a word (write the file with Unix line ends)");
      }
      List<Entry> out = new ArrayList<>();
      int i = 0;
      while (true) {
        i = skipSpace(i);
        if (i >= m.length()) {
          return out;
        }
        Entry e = entry(i);
        out.add(e);
        i = e.end();
      }
    }

    private int skipSpace(int i) {
      while (i < m.length() && isSpace(m.charAt(i))) {
        i++;
      }
      return i;
    }

    private static boolean isSpace(char c) {
      return c == ' ' || c == '\t' || c == '\n';
    }

    private Entry entry(int start) {
      int lineEnd = indexOr(m, '\n', start, m.length());
      int semi = indexOr(m, ';', start, m.length());
      int colon = indexOr(m, ':', start, Math.min(lineEnd, semi));
      if (colon == Math.min(lineEnd, semi)) {
        throw new PartitionsConfException(line(start),
            "no partition definition found (a header and ':' on one line, e.g. 'Name=0x8001 :')");
      }
      String[] header = m.substring(start, colon).split(",", -1);
      String[] first = nameAndValue(header[0]);
      String name = first[0];
      String id = first[1];
      if (id == null && !name.isEmpty() && Character.isDigit(name.charAt(0))) {
        id = name;
        name = "";
      }
      Optional<Pkey> pkey = Optional.empty();
      if (id != null) {
        Long v = cNumber(id);
        if (v == null) {
          throw new PartitionsConfException(line(start), "bad partition definition: '" + id + "' is not a pkey");
        }
        int key = (int) (v & 0x7fff); // OpenSM keeps 16 bits and clears the membership bit
        pkey = key == 0 ? Optional.empty() : Optional.of(new Pkey(key));
      }
      List<Flag> flags = new ArrayList<>();
      Membership byDefault = Membership.LIMITED;
      for (int h = 1; h < header.length; h++) {
        String[] f = nameAndValue(header[h]);
        flags.add(new Flag(f[0], Optional.ofNullable(f[1])));
        if (!f[0].isEmpty() && prefixOf(f[0], "defmember") && f[1] != null) {
          byDefault = defmember(f[1], byDefault);
        }
      }
      int end = semi < m.length() ? semi + 1 : m.length();
      List<Member> members = members(colon + 1, semi, byDefault);
      return new Entry(name, pkey, flags, members, start, colon, end, line(start));
    }

    private List<Member> members(int from, int to, Membership byDefault) {
      List<Member> out = new ArrayList<>();
      int i = from;
      while (i < to) {
        int j = i;
        while (j < to && m.charAt(j) != ',' && m.charAt(j) != '\n') {
          j++;
        }
        int a = i;
        int b = j;
        while (a < b && isSpace(m.charAt(a))) {
          a++;
        }
        while (b > a && isSpace(m.charAt(b - 1))) {
          b--;
        }
        if (a < b) {
          String[] nv = nameAndValue(m.substring(a, b));
          if (nv[0].equals("mgid")) {
            int k = indexOr(m, '\n', a, to);
            int e = k;
            while (e > a && isSpace(m.charAt(e - 1))) {
              e--;
            }
            out.add(new McastGroup(text.substring(a, e), a, e));
            j = k;
          } else {
            Member member = member(nv[0], nv[1], byDefault, a, b);
            if (member != null) {
              out.add(member);
            }
          }
        }
        i = j + 1;
      }
      return out;
    }

    private Member member(String name, String flag, Membership byDefault, int a, int b) {
      if (name.isEmpty() || prefixOf(name, "NONE")) {
        return null; // OpenSM skips these
      }
      Membership membership = flag == null ? byDefault : portFlag(flag);
      for (String k : KEYWORDS) {
        if (prefixOf(name, k)) {
          return new Keyword(k, membership, a, b);
        }
      }
      Long guid = cNumber(name);
      if (guid == null || guid == 0) {
        throw new PartitionsConfException(line(a), "bad PortGUID '" + name + "'");
      }
      return new Port(new Guid(guid), membership, a, b);
    }

    /** A port's flag: OpenSM assumes limited for anything it does not recognise. */
    private static Membership portFlag(String flag) {
      if (prefixOf(flag, "full")) {
        return Membership.FULL;
      }
      return prefixOf(flag, "both") ? Membership.BOTH : Membership.LIMITED;
    }

    /** {@code defmember=}: an unrecognised value leaves the default as it was. */
    private static Membership defmember(String value, Membership current) {
      if (!prefixOf(value, "limited") && !prefixOf(value, "both") && !prefixOf(value, "full")) {
        return current;
      }
      if (prefixOf(value, "full")) {
        return Membership.FULL;
      }
      return prefixOf(value, "both") ? Membership.BOTH : Membership.LIMITED;
    }

    /** {@code name[=value]}, both trimmed; value null without '='. */
    private static String[] nameAndValue(String token) {
      int eq = token.indexOf('=');
      return eq < 0 ? new String[] {token.strip(), null}
          : new String[] {token.substring(0, eq).strip(), token.substring(eq + 1).strip()};
    }

    /** An unsigned number as C's {@code strtoull(s, &end, 0)} reads it, whole; null otherwise. */
    static Long cNumber(String s) {
      try {
        if (s.startsWith("0x") || s.startsWith("0X")) {
          return s.length() > 2 && s.substring(2).matches("[0-9a-fA-F]+") ? Long.parseUnsignedLong(s.substring(2), 16) : null;
        }
        if (s.length() > 1 && s.startsWith("0")) {
          return s.matches("[0-7]+") ? Long.parseUnsignedLong(s, 8) : null;
        }
        return s.matches("[0-9]+") ? Long.parseUnsignedLong(s) : null;
      } catch (NumberFormatException e) {
        return null; // more than 64 bits
      }
    }

    private static int indexOr(String s, char c, int from, int limit) {
      int i = s.indexOf(c, from);
      return i < 0 || i > limit ? limit : i;
    }

    private int line(int offset) {
      int n = 1;
      for (int i = 0; i < offset && i < text.length(); i++) {
        if (text.charAt(i) == '\n') {
          n++;
        }
      }
      return n;
    }
  }
}
