/*
 * Shared by the native kernels of org.invllava.runtime.nn.quant.QuantKernels (products.c, decode_attention.c, pool.c):
 * the formats' blocks and scalar conversions, the instruction-level targets, the thread pool and per-thread scratch.
 */
#ifndef INVLLAVA_KERNELS_H
#define INVLLAVA_KERNELS_H

#include <immintrin.h>
#include <jni.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

enum format { F32 = 0, F16 = 1, BF16 = 2, Q8_0 = 3, Q4_0 = 4 };
enum { QK = 32, GROUP = 8, TILE_O = 16, TILE_R = 4, TILE_X = 64 };

typedef struct { uint16_t d; int8_t qs[QK]; } block_q8_0;       /* 34 bytes, as GGUF */
typedef struct { uint16_t d; uint8_t qs[QK / 2]; } block_q4_0;   /* 18 bytes: element j in low nibble j, 16+j high */

/* Scalar conversions: the same arithmetic as ggml's reference (QuantFormats.java mirrors them). */

static inline float bits_f32(uint32_t w) { float f; memcpy(&f, &w, 4); return f; }
static inline uint32_t f32_bits(float f) { uint32_t w; memcpy(&w, &f, 4); return w; }

static inline float fp16_to_f32(uint16_t h) {
    const uint32_t w = (uint32_t) h << 16, sign = w & 0x80000000u, two_w = w + w;
    const float normalized = bits_f32((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
    const float denormalized = bits_f32((two_w >> 17) | (126u << 23)) - 0.5f;
    return bits_f32(sign | (two_w < (1u << 27) ? f32_bits(denormalized) : f32_bits(normalized)));
}

static inline uint16_t f32_to_fp16(float f) { /* round to nearest even */
    float base = (fabsf(f) * 0x1.0p+112f) * 0x1.0p-110f;
    const uint32_t w = f32_bits(f), shl1_w = w + w, sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = bits_f32((bias >> 1) + 0x07800000u) + base;
    const uint32_t bits = f32_bits(base);
    const uint32_t nonsign = ((bits >> 13) & 0x00007C00u) + (bits & 0x00000FFFu);
    return (uint16_t) ((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

static inline float bf16_to_f32(uint16_t h) { return bits_f32((uint32_t) h << 16); }

static inline uint16_t f32_to_bf16(float f) { /* round to nearest even; NaN stays NaN */
    uint32_t u = f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t) ((u >> 16) | 64);
    return (uint16_t) ((u + (0x7fff + ((u >> 16) & 1))) >> 16);
}

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define T_AVX2 "avx2,fma,f16c"
#define T_AVX512 "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"

__attribute__((target(T_AVX2))) ALWAYS_INLINE float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Work split in `units` parts, run as fn(u0, u1) over the pool's threads (the caller counts as one); one call at a time. */
void run_parallel(void (*fn)(int64_t, int64_t), int64_t units);

/* A buffer of at least `bytes` owned by the calling thread (kept for its next call), or NULL. */
void *scratch_of(size_t bytes);

/* Held around a call's use of the pool and of its scratch. */
extern pthread_mutex_t call_lock;

#endif
