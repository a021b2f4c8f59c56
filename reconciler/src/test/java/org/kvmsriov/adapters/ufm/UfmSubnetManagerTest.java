package org.kvmsriov.adapters.ufm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.PartitionMember;
import org.kvmsriov.port.SubnetManager.Removal;
import org.kvmsriov.port.SubnetManagerException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The UFM adapter against a local HTTP server that keeps partitions as UFM does (deleting one
 * with its last GUID): every request's method, path, JSON body and basic authentication, the
 * last-GUID case, and a 5xx in the middle of an add.
 */
class UfmSubnetManagerTest {

  static final JsonMapper JSON = JsonMapper.shared();
  static final Pkey P4E20 = new Pkey(0x4e20);
  static final Guid VF1 = Guid.parse("0xaa000000004e2001");
  static final Guid VF2 = Guid.parse("0xaa000000004e2002");
  static final String AUTH = "Basic " + Base64.getEncoder().encodeToString("kvm:s3cret:x".getBytes(StandardCharsets.UTF_8));

  @TempDir Path dir;
  FakeUfm ufm;
  UfmSubnetManager sm;

  @BeforeEach
  void start() throws Exception {
    ufm = new FakeUfm();
    Path credentials = dir.resolve("ufm.credentials");
    Files.writeString(credentials, "kvm:s3cret:x\n# a password may hold colons\n");
    sm = new UfmSubnetManager(new SubnetManagerSpec.Ufm("ufm", ufm.url(), credentials, true), Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    ufm.server.stop(0);
  }

  @Test
  void addingToANewPartitionCreatesItUnderItsOwnNameThenAddsTheGuid() {
    sm.add(new Pkey(0xce20), VF1, Membership.FULL);

    assertThat(ufm.requests).containsExactly(
        new Request("GET", "/ufmRest/resources/pkeys/0x4e20", "guids_data=true", null, AUTH),
        new Request("POST", "/ufmRest/resources/pkeys/add", null,
            json("{\"pkey\":\"0x4e20\",\"partition_name\":\"kvmsriov_0x4e20\",\"index0\":true,\"ip_over_ib\":true}"), AUTH),
        new Request("POST", "/ufmRest/resources/pkeys", null,
            json("{\"pkey\":\"0x4e20\",\"membership\":\"full\",\"index0\":true,\"guids\":[\"aa000000004e2001\"]}"), AUTH));
    assertThat(sm.observe(Set.of(VF1, VF2))).containsExactly(new PartitionMember(P4E20, VF1, Membership.FULL, true));
  }

  @Test
  void addingWhatIsThereSendsNothingAndAChangedMembershipIsSentAgain() {
    ufm.partition("0x4e20", "tenant20000").put("aa000000004e2001", "full");

    sm.add(P4E20, VF1, Membership.FULL);
    assertThat(ufm.requests).extracting(Request::method).containsExactly("GET");

    sm.add(P4E20, VF1, Membership.LIMITED);
    assertThat(ufm.requests.get(ufm.requests.size() - 1)).isEqualTo(new Request("POST", "/ufmRest/resources/pkeys", null,
        json("{\"pkey\":\"0x4e20\",\"membership\":\"limited\",\"index0\":true,\"guids\":[\"aa000000004e2001\"]}"), AUTH));
    assertThat(ufm.partitions.get("0x4e20").guids).containsEntry("aa000000004e2001", "limited");
  }

  @Test
  void removesAGuidWhileOthersRemain() {
    Map<String, String> guids = ufm.partition("0x4e20", "tenant20000").guids;
    guids.put("aa000000004e2001", "full");
    guids.put("0002c90300a1b2c3", "full");

    assertThat(sm.observe(g -> g.value() >>> 56 == 0xaa))
        .containsExactly(new PartitionMember(P4E20, VF1, Membership.FULL, true));
    ufm.requests.clear();
    assertThat(sm.remove(P4E20, VF1)).isEqualTo(Removal.REMOVED);

    assertThat(ufm.requests.get(1)).isEqualTo(new Request("POST", "/ufmRest/actions/remove_guids_from_pkey", null,
        json("{\"pkey\":\"0x4e20\",\"guids\":[\"aa000000004e2001\"]}"), AUTH));
    assertThat(ufm.partitions.get("0x4e20").guids).containsOnlyKeys("0002c90300a1b2c3");
    assertThat(sm.remove(P4E20, VF1)).isEqualTo(Removal.ABSENT);
  }

  @Test
  void neverLetsUfmDeleteAPartitionKvmSriovDidNotCreate() {
    ufm.partition("0x4e20", "tenant20000").put("aa000000004e2001", "full");

    assertThat(sm.remove(P4E20, VF1)).isEqualTo(Removal.KEPT);

    assertThat(ufm.requests).extracting(Request::method).containsExactly("GET");
    assertThat(ufm.partitions.get("0x4e20").guids).containsOnlyKeys("aa000000004e2001");
  }

  @Test
  void theLastGuidOfItsOwnPartitionGoesAndThePartitionWithIt() {
    sm.add(P4E20, VF1, Membership.FULL);

    assertThat(sm.remove(P4E20, VF1)).isEqualTo(Removal.REMOVED);

    assertThat(ufm.partitions).doesNotContainKey("0x4e20");
  }

  @Test
  void aServerErrorDuringAnAddLeavesNothingBehind() {
    ufm.failNext("POST /ufmRest/resources/pkeys", 503);

    assertThatThrownBy(() -> sm.add(P4E20, VF1, Membership.FULL)).isInstanceOf(SubnetManagerException.class)
        .hasMessage("UFM at " + ufm.url() + " answered POST /ufmRest/resources/pkeys with 503: {\"error\":\"busy\"}");

    assertThat(ufm.requests).extracting(r -> r.method() + " " + r.path()).containsExactly(
        "GET /ufmRest/resources/pkeys/0x4e20", "POST /ufmRest/resources/pkeys/add",
        "POST /ufmRest/resources/pkeys", "DELETE /ufmRest/resources/pkeys/0x4e20");
    assertThat(ufm.partitions).isEmpty();
  }

  @Test
  void aServerErrorOnAnOperatorsPartitionDeletesNothing() {
    ufm.partition("0x4e20", "tenant20000").put("0002c90300a1b2c3", "full");
    ufm.failNext("POST /ufmRest/resources/pkeys", 500);

    assertThatThrownBy(() -> sm.add(P4E20, VF1, Membership.FULL)).isInstanceOf(SubnetManagerException.class);

    assertThat(ufm.requests).extracting(Request::method).containsExactly("GET", "POST");
    assertThat(ufm.partitions.get("0x4e20").guids).containsOnlyKeys("0002c90300a1b2c3");
  }

  @Test
  void wrongCredentialsAreAnErrorNamingTheAnswer() throws Exception {
    Files.writeString(dir.resolve("ufm.credentials"), "kvm:wrong\n");

    assertThatThrownBy(() -> sm.observe(Set.of(VF1))).isInstanceOf(SubnetManagerException.class)
        .hasMessage("UFM at " + ufm.url() + " answered GET /ufmRest/resources/pkeys?guids_data=true with 401");
  }

  @Test
  void anUnreachableUfmIsAnError() {
    ufm.server.stop(0);
    assertThatThrownBy(() -> sm.remove(P4E20, VF1)).isInstanceOf(SubnetManagerException.class)
        .hasMessageStartingWith("cannot reach UFM at " + ufm.url());
  }

  // --- a UFM as far as pkeys go

  record Request(String method, String path, String query, JsonNode body, String auth) {}

  static JsonNode json(String text) {
    return JSON.readTree(text);
  }

  static final class Partition {
    final String name;
    final Map<String, String> guids = new LinkedHashMap<>();

    Partition(String name) {
      this.name = name;
    }

    Partition put(String guid, String membership) {
      guids.put(guid, membership);
      return this;
    }
  }

  static final class FakeUfm {
    final HttpServer server;
    final List<Request> requests = new ArrayList<>();
    final Map<String, Partition> partitions = new LinkedHashMap<>();
    final Map<String, Integer> failures = new LinkedHashMap<>();

    FakeUfm() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", this::handle);
      server.start();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    Partition partition(String pkey, String name) {
      return partitions.computeIfAbsent(pkey, k -> new Partition(name));
    }

    void failNext(String request, int status) {
      failures.put(request, status);
    }

    private synchronized void handle(HttpExchange x) throws IOException {
      String method = x.getRequestMethod();
      String path = x.getRequestURI().getPath();
      byte[] raw = x.getRequestBody().readAllBytes();
      JsonNode body = raw.length == 0 ? null : JSON.readTree(raw);
      String auth = x.getRequestHeaders().getFirst("Authorization");
      requests.add(new Request(method, path, x.getRequestURI().getQuery(), body, auth));
      if (!AUTH.equals(auth)) {
        reply(x, 401, "");
        return;
      }
      Integer failure = failures.remove(method + " " + path);
      if (failure != null) {
        reply(x, failure, "{\"error\":\"busy\"}");
        return;
      }
      String pkeyPath = "/ufmRest/resources/pkeys/";
      if (method.equals("GET") && path.equals("/ufmRest/resources/pkeys")) {
        ObjectNode all = JSON.createObjectNode();
        partitions.forEach((k, p) -> all.set(k, describe(p)));
        reply(x, 200, all.toString());
      } else if (method.equals("GET") && path.startsWith(pkeyPath)) {
        Partition p = partitions.get(path.substring(pkeyPath.length()));
        reply(x, 200, p == null ? "{}" : describe(p).toString());
      } else if (method.equals("POST") && path.equals("/ufmRest/resources/pkeys/add")) {
        partition(body.path("pkey").asString(), body.path("partition_name").asString("api_pkey"));
        reply(x, 200, "");
      } else if (method.equals("POST") && path.equals("/ufmRest/resources/pkeys")) {
        Partition p = partition(body.path("pkey").asString(), "api_pkey");
        body.path("guids").forEach(g -> p.put(g.asString(), body.path("membership").asString("full")));
        reply(x, 200, "");
      } else if (method.equals("POST") && path.equals("/ufmRest/actions/remove_guids_from_pkey")) {
        Partition p = partitions.get(body.path("pkey").asString());
        body.path("guids").forEach(g -> p.guids.remove(g.asString()));
        if (p.guids.isEmpty()) {
          partitions.remove(body.path("pkey").asString()); // what UFM does with a partition's last GUID
        }
        reply(x, 200, "");
      } else if (method.equals("DELETE") && path.startsWith(pkeyPath)) {
        partitions.remove(path.substring(pkeyPath.length()));
        reply(x, 200, "");
      } else {
        reply(x, 404, "");
      }
    }

    private static ObjectNode describe(Partition p) {
      ObjectNode o = JSON.createObjectNode().put("partition", p.name).put("ip_over_ib", true);
      ArrayNode guids = o.putArray("guids");
      p.guids.forEach((g, m) -> guids.addObject().put("guid", g).put("membership", m).put("index0", true));
      return o;
    }

    private static void reply(HttpExchange x, int status, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      try (var out = x.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
