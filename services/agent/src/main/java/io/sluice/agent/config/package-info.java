/** Configuration mapping of the agent ({@code sluice.*} properties, set by {@code sluice up}). */
package io.sluice.agent.config;
