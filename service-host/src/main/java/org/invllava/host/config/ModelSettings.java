package org.invllava.host.config;

import io.smallrye.config.WithDefault;
import java.util.Optional;

/**
 * How a model service loads its model ({@code model.*}): {@code MODEL_ID} (the served model whose topics it uses;
 * default: the checkpoint's), {@code MODEL_DTYPE} ({@code float32}|{@code float16}|{@code bfloat16}) and
 * {@code MODEL_DEVICE} ({@code auto}|{@code cpu}|{@code gpu[:n]}).
 */
public interface ModelSettings {
    Optional<String> id();

    @WithDefault("float32")
    String dtype();

    @WithDefault("auto")
    String device();
}
