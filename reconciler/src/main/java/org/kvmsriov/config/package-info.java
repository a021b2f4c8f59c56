/**
 * host.yaml in: JSON-schema check with line and column, semantic checks, mapping to {@link
 * org.kvmsriov.model.HostState}; and out, for {@code import-legacy}. Every refusal is an {@link
 * org.kvmsriov.config.InvalidInputException} (exit 2).
 */
package org.kvmsriov.config;
