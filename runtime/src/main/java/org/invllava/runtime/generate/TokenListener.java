package org.invllava.runtime.generate;

/** Receives each generated token as soon as it is sampled, with the text it completes (possibly empty). */
@FunctionalInterface
public interface TokenListener {
    void onToken(int index, int tokenId, String textDelta);
}
