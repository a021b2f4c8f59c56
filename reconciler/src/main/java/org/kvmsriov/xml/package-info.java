/** XXE-safe parsing and faithful serialisation of XML that comes from outside. */
package org.kvmsriov.xml;
