package org.invllava.evaluation.world;

/** Two questions about one image in one MME category: the first one's answer is yes, the second's no. */
public record YesNoPair(String category, String yes, String no) {}
