package org.kvmsriov.testsupport;

import java.nio.file.Path;
import java.util.List;
import org.kvmsriov.model.PciAddress;

/**
 * Whole fixture hosts. {@link #twoNodeHost} is the standard one: two NUMA nodes, and
 *
 * <ul>
 *   <li>an Intel 82599 {@code enp3s0f0} at {@code 0000:03:00.0} with 8 VFs (node 0);
 *   <li>a ConnectX-3 at {@code 0000:07:00.0}, 2 ports ({@code ib0}, {@code ib1}), 16 VFs (node 0);
 *   <li>a ConnectX-4 at {@code 0000:81:00.0} ({@code ib2}) with 8 VFs (node 1), with or without
 *       MLNX_OFED's sysfs.
 * </ul>
 */
public final class SysfsHosts {

  public static final String GENERIC_PF = "enp3s0f0";

  private SysfsHosts() {}

  /**
   * The standard host's devices.
   *
   * @param tree the tree, for further changes
   * @param nic the generic SR-IOV NIC
   * @param mlx4 the ConnectX-3
   * @param mlx5 the ConnectX-4
   */
  public record TwoNodeHost(SysfsTree tree, GenericNic nic, Mlx4Hca mlx4, Mlx5Hca mlx5) {}

  /** Physical pkey table length of the standard host's HCAs (ConnectX-3 has 128; see {@link Mlx4Hca}). */
  public static final int PKEY_TABLE = 16;
  /** Alias GUID table length of the standard host's ConnectX-3 (128 on real cards). */
  public static final int GUID_TABLE = 32;

  /**
   * Builds the standard host under {@code root}; {@code ofed} adds MLNX_OFED's mlx5 sysfs. Its
   * tables are shorter than a real card's ({@link #PKEY_TABLE}, {@link #GUID_TABLE}) so a test
   * builds it in a fraction of a second; {@link Mlx4Hca#build(SysfsTree, String, PciAddress,
   * List, int, int)} builds full-size ones.
   */
  public static TwoNodeHost twoNodeHost(Path root, boolean ofed) {
    SysfsTree t = SysfsTree.at(root).numa("0-15", "0-3,8-11", "4-7,12-15");
    Mlx4Hca mlx4 = Mlx4Hca.build(t, "0000:00:03.0", PciAddress.parse("0000:07:00.0"), List.of("ib0", "ib1"), 16, 0,
        PKEY_TABLE, GUID_TABLE);
    GenericNic nic = GenericNic.build(t, "0000:00:01.0", PciAddress.parse("0000:03:00.0"), GENERIC_PF, 8, 0);
    Mlx5Hca mlx5 = Mlx5Hca.build(t, "0000:80:02.0", PciAddress.parse("0000:81:00.0"), "ib2", 8, 1, ofed, PKEY_TABLE);
    return new TwoNodeHost(t, nic, mlx4, mlx5);
  }
}
