/**
 * A small Java API over libbpf, reached through the FFM API: load an object, attach its
 * programs to tc, read and write its maps, read its ring buffer, run a program on a crafted
 * packet. Knows nothing of policy or endpoints; the datapath layouts live in {@code datapath}.
 */
package io.sluice.bpf;
