/**
 * The node's HTTP API for the CLI (JSON records of {@code io.sluice.api.node}). Maps requests
 * to node operations and answers to views; holds no logic of its own.
 */
package io.sluice.agent.rest;
