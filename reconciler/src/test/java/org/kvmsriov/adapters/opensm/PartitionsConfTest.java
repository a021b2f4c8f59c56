package org.kvmsriov.adapters.opensm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kvmsriov.adapters.opensm.PartitionsConf.Entry;
import org.kvmsriov.adapters.opensm.PartitionsConf.Keyword;
import org.kvmsriov.adapters.opensm.PartitionsConf.McastGroup;
import org.kvmsriov.adapters.opensm.PartitionsConf.Port;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.PartitionMember;

/**
 * partitions.conf read as OpenSM reads it (osm_prtn_config.c), written back byte for byte, and
 * edited only in kvm-sriov's own entries.
 */
class PartitionsConfTest {

  static final Pkey P4E20 = new Pkey(0x4e20);
  static final Guid VF1 = Guid.parse("0xaa00000000000001");
  static final Guid VF2 = Guid.parse("0xaa00000000000002");

  static String site() throws IOException {
    try (InputStream in = PartitionsConfTest.class.getResourceAsStream("/opensm/partitions-site.conf")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void readsARealWorldFileAsOpenSmDoes() throws IOException {
    PartitionsConf conf = PartitionsConf.parse(site());

    assertThat(conf.entries()).extracting(Entry::name, e -> e.pkey().map(Pkey::toString).orElse("auto"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Default", "0x7fff"),
            org.assertj.core.groups.Tuple.tuple("storage", "0x0010"),
            org.assertj.core.groups.Tuple.tuple("tenant20000", "0x4e20"),
            org.assertj.core.groups.Tuple.tuple("ShareIO", "0x0080"),
            org.assertj.core.groups.Tuple.tuple("ShareIO", "0x0080"),
            org.assertj.core.groups.Tuple.tuple("", "0x7ffe"));
    Entry def = conf.entries().get(0);
    assertThat(def.flags()).extracting(Object::toString).containsExactly("ipoib", "mtu=5", "rate=7");
    assertThat(def.members()).hasSize(4);
    assertThat(def.members().get(0)).isEqualTo(new Keyword("ALL", Membership.LIMITED,
        def.members().get(0).start(), def.members().get(0).end()));
    assertThat(((Keyword) def.members().get(1)).keyword()).isEqualTo("SELF");
    // the member list runs over lines, around comments
    assertThat(def.ports()).extracting(Port::guid, Port::membership).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Guid.parse("0x0002c90300a1b2c3"), Membership.FULL),
        org.assertj.core.groups.Tuple.tuple(Guid.parse("0x0002c90300a1b2c4"), Membership.FULL));
    // defmember=full is the default of the entry's GUIDs without a flag
    assertThat(conf.entries().get(1).ports()).extracting(Port::membership)
        .containsExactly(Membership.FULL, Membership.FULL, Membership.LIMITED);
    assertThat(conf.entries().get(1).flags()).extracting(Object::toString)
        .containsExactly("ipoib", "sl=2", "mtu=5", "defmember=full");
    Entry tenant = conf.entries().get(2);
    assertThat(tenant.flags()).extracting(Object::toString).containsExactly("ipoib", "indx0", "sl=1");
    assertThat(tenant.members()).hasSize(4);
    assertThat(((McastGroup) tenant.members().get(0)).text()).isEqualTo("mgid=ff12:401b::0707,sl=1");
    assertThat(((McastGroup) tenant.members().get(1)).text()).isEqualTo("mgid=ff12:601b::16");
    assertThat(tenant.ports()).extracting(Port::membership).containsExactly(Membership.BOTH);
    // two entries on one line; 'limi' is a prefix of limited; 291 is decimal
    assertThat(conf.entries().get(3).ports()).extracting(Port::membership).containsExactly(Membership.FULL, Membership.FULL);
    assertThat(conf.entries().get(4).ports()).extracting(Port::guid, Port::membership).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Guid.parse("0x123453"), Membership.LIMITED),
        org.assertj.core.groups.Tuple.tuple(new Guid(291), Membership.LIMITED));
    assertThat(((Keyword) conf.entries().get(5).members().get(0)).keyword()).isEqualTo("ALL_CAS");
    assertThat(conf.entries()).noneMatch(Entry::ours);
  }

  @Test
  void writesAnUneditedFileBackByteForByte() throws IOException {
    String text = site();
    assertThat(PartitionsConf.parse(text).text()).isEqualTo(text);
    // and what it reads from its own output is the same
    assertThat(PartitionsConf.parse(PartitionsConf.parse(text).text()).entries())
        .isEqualTo(PartitionsConf.parse(text).entries());
  }

  @Test
  void addsAMemberInAnEntryOfItsOwnAndLeavesTheOperatorsTextAlone() throws IOException {
    String text = site();
    PartitionsConf conf = PartitionsConf.parse(text).withMember(P4E20, VF1, Membership.FULL);

    // the operator defines 0x4e20 with sl=1: ours repeats it, since each entry sets the SL anew
    assertThat(conf.text()).isEqualTo(text + "kvmsriov_0x4e20=0x4e20, sl=1 : 0xaa00000000000001=full ;\n");
    Entry ours = conf.entries().get(conf.entries().size() - 1);
    assertThat(ours.ours()).isTrue();
    assertThat(conf.members(Set.of(VF1))).containsExactly(new PartitionMember(P4E20, VF1, Membership.FULL, true));

    PartitionsConf two = conf.withMember(new Pkey(0xce20), VF2, Membership.LIMITED);
    assertThat(two.text()).isEqualTo(text
        + "kvmsriov_0x4e20=0x4e20, sl=1 : 0xaa00000000000001=full, 0xaa00000000000002=limited ;\n");
    assertThat(two.withMember(P4E20, VF2, Membership.LIMITED).text()).isEqualTo(two.text());
    assertThat(two.withMember(P4E20, VF2, Membership.FULL).text()).isEqualTo(text
        + "kvmsriov_0x4e20=0x4e20, sl=1 : 0xaa00000000000001=full, 0xaa00000000000002=full ;\n");
  }

  @Test
  void aPartitionOnlyKvmSriovDefinesGetsIpoib() {
    PartitionsConf conf = PartitionsConf.parse("Default=0x7fff : ALL=full ;").withMember(new Pkey(0x8001), VF1, Membership.FULL);
    assertThat(conf.text()).isEqualTo("Default=0x7fff : ALL=full ;\nkvmsriov_0x0001=0x0001, ipoib : 0xaa00000000000001=full ;\n");
  }

  @Test
  void removingTouchesOnlyThatMemberAndTheLastOneTakesTheEntry() throws IOException {
    String text = site();
    PartitionsConf two = PartitionsConf.parse(text).withMember(P4E20, VF1, Membership.FULL)
        .withMember(P4E20, VF2, Membership.FULL);

    assertThat(two.withoutMember(P4E20, VF1).text())
        .isEqualTo(text + "kvmsriov_0x4e20=0x4e20, sl=1 : 0xaa00000000000002=full ;\n");
    assertThat(two.withoutMember(P4E20, VF2).text())
        .isEqualTo(text + "kvmsriov_0x4e20=0x4e20, sl=1 : 0xaa00000000000001=full ;\n");
    assertThat(two.withoutMember(P4E20, VF1).withoutMember(P4E20, VF2).text()).isEqualTo(text);
    assertThat(two.withoutMember(new Pkey(0x10), VF1).text()).isEqualTo(two.text());
  }

  @Test
  void neverRemovesWhatTheOperatorListed() throws IOException {
    String text = site();
    Guid storage = Guid.parse("0x0002c90300a1b2c3");
    PartitionsConf conf = PartitionsConf.parse(text);

    assertThat(conf.withoutMember(new Pkey(0x10), storage).text()).isEqualTo(text);
    assertThat(conf.members(Set.of(storage))).containsExactly(
        new PartitionMember(new Pkey(0x7fff), storage, Membership.FULL, false),
        new PartitionMember(new Pkey(0x10), storage, Membership.FULL, false));
  }

  @Test
  void editsAHandEditedEntryOfOursInPlace() {
    String text = """
        Default=0x7fff : ALL=full ;
        kvmsriov_0x4e20=0x4e20 :   # tenant 20000, kept by kvm-sriov
          0xaa00000000000001=full,
          0xaa00000000000002=full ; Other=0x20 : SELF ;
        """;
    PartitionsConf conf = PartitionsConf.parse(text);

    assertThat(conf.withoutMember(P4E20, VF1).text()).isEqualTo("""
        Default=0x7fff : ALL=full ;
        kvmsriov_0x4e20=0x4e20 :   # tenant 20000, kept by kvm-sriov
          0xaa00000000000002=full ; Other=0x20 : SELF ;
        """);
    // the last member goes, the entry stays (it shares its line with another), empty
    assertThat(conf.withoutMember(P4E20, VF1).withoutMember(P4E20, VF2).text()).isEqualTo("""
        Default=0x7fff : ALL=full ;
        kvmsriov_0x4e20=0x4e20 :   # tenant 20000, kept by kvm-sriov
           ; Other=0x20 : SELF ;
        """);
    assertThat(conf.withoutMember(P4E20, VF1).withoutMember(P4E20, VF2).withMember(P4E20, VF1, Membership.LIMITED)
        .members(Set.of(VF1))).containsExactly(new PartitionMember(P4E20, VF1, Membership.LIMITED, true));
  }

  @Test
  void aMemberAfterAnMgidLineGoesOnItsOwnLine() {
    PartitionsConf conf = PartitionsConf.parse("kvmsriov_0x4e20=0x4e20, ipoib :\n  mgid=ff12:401b::16 ;\n")
        .withMember(P4E20, VF1, Membership.FULL);
    assertThat(conf.text()).isEqualTo("kvmsriov_0x4e20=0x4e20, ipoib :\n  mgid=ff12:401b::16\n  0xaa00000000000001=full ;\n");
    assertThat(conf.entries().get(0).ports()).hasSize(1);
  }

  @Test
  void appendsANewlineWhenTheFileLacksOne() {
    assertThat(PartitionsConf.parse("Default=0x7fff : ALL=full ;").withMember(P4E20, VF1, Membership.FULL)
        .text()).startsWith("Default=0x7fff : ALL=full ;\nkvmsriov_0x4e20=");
    assertThat(PartitionsConf.parse("").withMember(P4E20, VF1, Membership.FULL).text())
        .isEqualTo("kvmsriov_0x4e20=0x4e20, ipoib : 0xaa00000000000001=full ;\n");
  }

  @Test
  void readsWhatOpenSmReads() {
    // a key without a name; an auto key; octal and decimal GUIDs; NONE and empty items skipped
    PartitionsConf conf = PartitionsConf.parse("0x10:0x11;Auto:SELF;K=0x8012:017=full,,NONE,N;last=0x13:0x1");
    assertThat(conf.entries()).extracting(Entry::name).containsExactly("", "Auto", "K", "last");
    assertThat(conf.entries().get(0).pkey()).contains(new Pkey(0x10));
    assertThat(conf.entries().get(1).pkey()).isEmpty();
    assertThat(conf.entries().get(2).pkey()).contains(new Pkey(0x12));
    assertThat(conf.entries().get(2).ports()).extracting(Port::guid, Port::membership)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(new Guid(15), Membership.FULL));
    assertThat(conf.entries().get(3).end()).isEqualTo(conf.text().length()); // unterminated last entry
    assertThat(conf.members(Set.of(new Guid(0x11)))).containsExactly(
        new PartitionMember(new Pkey(0x10), new Guid(0x11), Membership.LIMITED, false));
    assertThat(conf.entries().get(0).pkey()).isEqualTo(Optional.of(new Pkey(0x10)));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "Default=0x7fff ALL=full ;|line 1: no partition definition found",
      "# a comment\\nDefault=0x7fff\\n : ALL=full ;|line 2: no partition definition found",
      "P=0x4e2g : ALL ;|line 1: bad partition definition: '0x4e2g' is not a pkey",
      "P=0x4e20 : ALL,\\n 0xzz=full ;|line 2: bad PortGUID '0xzz'",
      "P=0x4e20 : 0x0=full ;|line 1: bad PortGUID '0x0'",
      "P=0x4e20 : 0x1ffffffffffffffff ;|line 1: bad PortGUID '0x1ffffffffffffffff'",
      "P=0x4e20 : 09 ;|line 1: bad PortGUID '09'",
  })
  void refusesWhatOpenSmRefuses(String text, String message) {
    assertThatThrownBy(() -> PartitionsConf.parse(text.replace("\\n", "\n")))
        .isInstanceOf(PartitionsConfException.class).hasMessageStartingWith(message);
  }

  @Test
  void refusesCarriageReturns() {
    assertThatThrownBy(() -> PartitionsConf.parse("Default=0x7fff : ALL=full ;\r\n"))
        .isInstanceOf(PartitionsConfException.class).hasMessageContaining("line 1: carriage return");
  }
}
