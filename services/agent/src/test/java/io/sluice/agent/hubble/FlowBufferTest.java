package io.sluice.agent.hubble;

import com.google.protobuf.Message;
import com.google.protobuf.util.Timestamps;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.LostEvent;
import io.sluice.api.hubble.flow.LostEventSource;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlowBufferTest {

    @Test
    void add_overwritesTheOldestWhenTheSlotsAreFull() {
        FlowBuffer b = new FlowBuffer(4, 1 << 20);
        for (int i = 0; i < 6; i++) {
            b.add(flow(i, 10));
        }
        assertThat(b.oldest()).isEqualTo(2);
        assertThat(b.size()).isEqualTo(4);
        assertThat(b.get(1)).isNull();
        assertThat(b.get(6)).isNull();
        for (int i = 2; i < 6; i++) {
            assertThat(((Flow) b.get(i)).getUuid()).startsWith(i + "-");
            assertThat(b.time(i)).isEqualTo(i * 1_000_000_000L);
        }
        assertThat(b.time(1)).isEqualTo(-1);
    }

    @Test
    void add_overwritesTheOldestWhenTheBytesAreFull() {
        FlowBuffer b = new FlowBuffer(100, 4096);
        int size = flow(0, 300).getSerializedSize();
        for (int i = 0; i < 50; i++) {
            b.add(flow(i, 300));
        }
        // Entries never cross the ring's end, so a lap holds 4096 / size of them, and the lap being written some.
        assertThat(b.size()).isBetween(4096 / size - 1, 4096 / size);
        assertThat(b.next()).isEqualTo(50);
        for (long seq = b.oldest(); seq < 50; seq++) {
            assertThat(((Flow) b.get(seq)).getUuid()).startsWith(seq + "-");
        }
        assertThat(b.get(b.oldest() - 1)).isNull();
    }

    @Test
    void add_anEntryLargerThanTheRing_isKeptAsOneLostEvent() {
        FlowBuffer b = new FlowBuffer(8, 4096);
        b.add(flow(0, 10));
        b.add(flow(1, 5000));
        b.add(b.get(0));
        assertThat(b.get(1)).isInstanceOfSatisfying(LostEvent.class, l -> {
            assertThat(l.getSource()).isEqualTo(LostEventSource.HUBBLE_RING_BUFFER);
            assertThat(l.getNumEventsLost()).isEqualTo(1);
        });
        assertThat(((Flow) b.get(2)).getUuid()).startsWith("0-");
    }

    @Test
    void new_refusesNoSlotsOrTooLittleMemory() {
        assertThatThrownBy(() -> new FlowBuffer(0, 1 << 20)).hasMessageContaining("capacity must be at least 1");
        assertThatThrownBy(() -> new FlowBuffer(1, 100)).hasMessageContaining("at least 4096 bytes");
    }

    /** Readers racing a writer that laps the ring all the time get the entry they asked for or null, never another. */
    @Test
    void get_whileAWriterOverwrites_neverReturnsAnotherOrATornEntry() throws Exception {
        FlowBuffer b = new FlowBuffer(16, 4096);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong read = new AtomicLong(), gone = new AtomicLong();
        long until = System.nanoTime() + 300_000_000L;
        Thread[] readers = new Thread[2];
        for (int r = 0; r < readers.length; r++) {
            readers[r] = Thread.ofPlatform().start(() -> {
                try {
                    while (System.nanoTime() < until) {
                        long seq = Math.max(0, b.next() - 1 - ThreadLocalRandom.current().nextInt(20));
                        Message m = b.get(seq);
                        if (m == null) {
                            gone.incrementAndGet();
                        } else {
                            assertThat(((Flow) m).getUuid()).startsWith(seq + "-");
                            read.incrementAndGet();
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
        }
        for (int i = 0; System.nanoTime() < until; i++) {
            b.add(flow(i, 50 + i % 400));
        }
        for (Thread t : readers) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(read.get()).isPositive();
        assertThat(gone.get()).as("readers were overtaken by the writer").isPositive();
    }

    /** A flow named "seq-" and padded to about {@code size} bytes with its summary. */
    private static Flow flow(long seq, int size) {
        return Flow.newBuilder().setUuid(seq + "-").setTime(Timestamps.fromNanos(seq * 1_000_000_000L))
                .setSummary("x".repeat(size)).build();
    }
}
