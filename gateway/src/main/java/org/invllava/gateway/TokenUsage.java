package org.invllava.gateway;

/** Tokens of an answer: the expanded prompt (image slots included) and the generated ones. */
public record TokenUsage(int promptTokens, int completionTokens) {}
