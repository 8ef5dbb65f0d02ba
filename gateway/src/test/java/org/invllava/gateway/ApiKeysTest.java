package org.invllava.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Key labels cannot be matched against guessed keys without the label secret, and agree where the secret does. */
class ApiKeysTest {
    @Test
    void labelsAreAnHmacUnderTheLabelSecret() throws Exception {
        String key = "sk-guessable";
        String a = ApiKeys.of(List.of(key), "secret-one")
                .authenticate("Bearer " + key, null)
                .label();
        assertTrue(a.matches("key-[0-9a-f]{8}"), a);
        assertEquals(
                a,
                ApiKeys.of(List.of(key), "secret-one")
                        .authenticate("Bearer " + key, null)
                        .label(),
                "replicas given the same secret agree");
        assertNotEquals(
                a,
                ApiKeys.of(List.of(key), "secret-two")
                        .authenticate("Bearer " + key, null)
                        .label());
        // the owner a request carries does not depend on the label secret: any replica reads it alike
        assertEquals(
                ApiKeys.of(List.of(key), "secret-one")
                        .authenticate("Bearer " + key, null)
                        .owner(),
                ApiKeys.of(List.of(key), "secret-two")
                        .authenticate("Bearer " + key, null)
                        .owner());
        String unsalted = "key-"
                + HexFormat.of()
                        .formatHex(
                                MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)),
                                0,
                                4);
        assertNotEquals(unsalted, a, "not the digest's prefix that anyone can compute");
    }
}
