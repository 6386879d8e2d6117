/** JMH benchmarks, one class per hot path; run with {@code bench/run}. */
package io.sluice.bench;
