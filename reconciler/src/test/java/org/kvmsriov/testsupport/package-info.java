/**
 * Test fixtures other tests build on: {@link org.kvmsriov.testsupport.SysfsTree} lays out sysfs
 * as the kernel does (real device directories, relative symlinks, values with their newline);
 * {@link org.kvmsriov.testsupport.GenericNic}, {@link org.kvmsriov.testsupport.Mlx4Hca} and
 * {@link org.kvmsriov.testsupport.Mlx5Hca} build devices; {@link
 * org.kvmsriov.testsupport.SysfsHosts#twoNodeHost} the standard host; {@link
 * org.kvmsriov.testsupport.DemoSysfsTree} the README demo's {@code examples/demo-sysfs}.
 */
package org.kvmsriov.testsupport;
