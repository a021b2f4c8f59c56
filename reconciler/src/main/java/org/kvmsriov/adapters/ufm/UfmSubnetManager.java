package org.kvmsriov.adapters.ufm;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.PartitionMember;
import org.kvmsriov.port.SubnetManager;
import org.kvmsriov.port.SubnetManagerException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link SubnetManager} for NVIDIA UFM, through its REST API for pkeys:
 *
 * <pre>
 * GET  ufmRest/resources/pkeys?guids_data=true          every partition with its GUIDs (observe)
 * GET  ufmRest/resources/pkeys/PKEY?guids_data=true     one partition; {} when there is none
 * POST ufmRest/resources/pkeys/add                      create kvm-sriov's empty partition, named
 *                                                        kvmsriov_PKEY (UFM 6.22+ keeps the name)
 * POST ufmRest/resources/pkeys                          add GUIDs with a membership, at index 0
 * POST ufmRest/actions/remove_guids_from_pkey           remove GUIDs
 * DELETE ufmRest/resources/pkeys/PKEY                   drop a partition kvm-sriov just created
 * </pre>
 *
 * <p>UFM deletes a partition when its last GUID is removed, so removal has "set" semantics: the
 * partition is read first, and the last GUID of a partition kvm-sriov did not create stays
 * ({@link Removal#KEPT}). Keys go out as {@code 0x4e20}, GUIDs as 16 hex digits.
 */
public final class UfmSubnetManager implements SubnetManager {

  private static final JsonMapper JSON = JsonMapper.shared();

  private final SubnetManagerSpec.Ufm spec;
  private final HttpClient http;
  private final Duration timeout;

  public UfmSubnetManager(SubnetManagerSpec.Ufm spec, Duration timeout) {
    this.spec = spec;
    this.timeout = timeout;
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
    if (!spec.verifyTls()) {
      b.sslContext(trustingEveryone());
    }
    this.http = b.build();
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public List<PartitionMember> observe(Predicate<Guid> ours) {
    JsonNode all = call("GET", "ufmRest/resources/pkeys?guids_data=true", null);
    List<PartitionMember> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : all.properties()) {
      Pkey key = parsePkey(e.getKey());
      for (JsonNode g : e.getValue().path("guids")) {
        Guid guid = parseGuid(g.path("guid").asString(""));
        if (ours.test(guid)) {
          out.add(new PartitionMember(key, guid, membership(g.path("membership").asString("full")), true));
        }
      }
    }
    return out;
  }

  @Override
  public void add(Pkey partition, Guid guid, Membership membership) {
    if (membership == Membership.BOTH) {
      throw new IllegalArgumentException("UFM knows full and limited membership only");
    }
    Pkey key = partition.withoutMembership();
    Optional<JsonNode> current = partition(key);
    if (current.isPresent() && membershipOf(current.get(), guid).equals(Optional.of(membership))) {
      return;
    }
    boolean created = false;
    if (current.isEmpty()) {
      ObjectNode create = JSON.createObjectNode().put("pkey", key.toString()).put("partition_name", ourName(key))
          .put("index0", true).put("ip_over_ib", true);
      call("POST", "ufmRest/resources/pkeys/add", create);
      created = true;
    }
    ObjectNode body = JSON.createObjectNode().put("pkey", key.toString()).put("membership", membership.word())
        .put("index0", true);
    body.putArray("guids").add(guidText(guid));
    try {
      call("POST", "ufmRest/resources/pkeys", body);
    } catch (SubnetManagerException e) {
      if (created) {
        undoCreate(key, e);
      }
      throw e;
    }
  }

  @Override
  public Removal remove(Pkey partition, Guid guid) {
    Pkey key = partition.withoutMembership();
    Optional<JsonNode> current = partition(key);
    if (current.isEmpty() || membershipOf(current.get(), guid).isEmpty()) {
      return Removal.ABSENT;
    }
    boolean last = current.get().path("guids").size() == 1;
    if (last && !ourName(key).equals(current.get().path("partition").asString(""))) {
      return Removal.KEPT; // UFM would delete the operator's partition with its last GUID
    }
    ObjectNode body = JSON.createObjectNode().put("pkey", key.toString());
    body.putArray("guids").add(guidText(guid));
    call("POST", "ufmRest/actions/remove_guids_from_pkey", body);
    return Removal.REMOVED;
  }

  /** The name of the partitions kvm-sriov creates, as in the OpenSM adapter. */
  static String ourName(Pkey key) {
    return "kvmsriov_" + key.withoutMembership();
  }

  private Optional<JsonNode> partition(Pkey key) {
    JsonNode p = call("GET", "ufmRest/resources/pkeys/" + key + "?guids_data=true", null);
    return p.isObject() && !p.isEmpty() ? Optional.of(p) : Optional.empty();
  }

  private static Optional<Membership> membershipOf(JsonNode partition, Guid guid) {
    for (JsonNode g : partition.path("guids")) {
      if (parseGuid(g.path("guid").asString("")).equals(guid)) {
        return Optional.of(membership(g.path("membership").asString("full")));
      }
    }
    return Optional.empty();
  }

  /** A partition we created for a GUID UFM then refused: take it away again, or say it is left. */
  private void undoCreate(Pkey key, SubnetManagerException cause) {
    try {
      call("DELETE", "ufmRest/resources/pkeys/" + key, null);
    } catch (SubnetManagerException e) {
      cause.addSuppressed(new SubnetManagerException("the empty partition " + key + " kvm-sriov created for it"
          + " is left in UFM: " + e.getMessage()));
    }
  }

  /** One request; the answer's JSON (an empty object for an empty body), or why there is none. */
  private JsonNode call(String method, String path, JsonNode body) {
    URI uri = spec.url().resolve(path);
    HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Authorization", basicAuth()).header("Accept", "application/json");
    if (body == null) {
      r.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      r.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    }
    HttpResponse<String> answer;
    try {
      answer = http.send(r.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new SubnetManagerException("cannot reach UFM at " + spec.url() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SubnetManagerException("interrupted while asking UFM at " + spec.url(), e);
    }
    if (answer.statusCode() == 404 && method.equals("GET")) {
      return JSON.createObjectNode(); // some UFM versions answer an unknown pkey so
    }
    if (answer.statusCode() / 100 != 2) {
      String text = answer.body().strip();
      throw new SubnetManagerException("UFM at " + spec.url() + " answered " + method + " /" + path + " with "
          + answer.statusCode() + (text.isEmpty() ? "" : ": " + (text.length() > 200 ? text.substring(0, 200) + "..." : text)));
    }
    try {
      return answer.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(answer.body());
    } catch (JacksonException e) {
      throw new SubnetManagerException("UFM at " + spec.url() + " answered " + method + " /" + path
          + " with something that is not JSON", e);
    }
  }

  private String basicAuth() {
    String line;
    try {
      line = Files.readAllLines(spec.credentialsFile(), StandardCharsets.UTF_8).stream().findFirst().orElse("");
    } catch (IOException e) {
      throw new SubnetManagerException("cannot read UFM credentials from " + spec.credentialsFile() + ": " + e, e);
    }
    if (!line.contains(":")) {
      throw new SubnetManagerException("the first line of " + spec.credentialsFile() + " is not USER:PASSWORD");
    }
    return "Basic " + Base64.getEncoder().encodeToString(line.getBytes(StandardCharsets.UTF_8));
  }

  static String guidText(Guid guid) {
    return String.format("%016x", guid.value());
  }

  private static Guid parseGuid(String text) {
    try {
      return Guid.parse(text);
    } catch (IllegalArgumentException e) {
      throw new SubnetManagerException("UFM listed '" + text + "', which is not a GUID", e);
    }
  }

  private static Pkey parsePkey(String text) {
    try {
      return Pkey.parse(text).withoutMembership();
    } catch (IllegalArgumentException e) {
      throw new SubnetManagerException("UFM listed the partition '" + text + "', which is not a pkey", e);
    }
  }

  private static Membership membership(String word) {
    return word.equalsIgnoreCase("limited") ? Membership.LIMITED : Membership.FULL;
  }

  /** verify_tls: false — a lab UFM with a self-signed certificate; no chain or host name check. */
  private static SSLContext trustingEveryone() {
    TrustManager trustAll = new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket s) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket s) {}

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {trustAll}, new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java has TLS", e);
    }
  }
}
