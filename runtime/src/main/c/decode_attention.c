/*
 * Decode attention for org.invllava.runtime.nn.quant.QuantKernels.decodeAttention: one new token per head against a
 * sequence's KV cache read where it is.
 */
#include <stdlib.h>

#include "kernels.h"

/*
 * One query row per head against a sequence's cached keys and values, read where they are (a paged pool or a
 * per-sequence buffer: element d of head h at position s is at slots[s] * stride_slot + h * stride_head + d), in
 * float32 or float16: ctx = softmax(q · kᵀ · scale) · v per head, query head h reading KV head h / (H / H_kv). No copy
 * of the cache is made; libtorch's path gathered it, widened it to float32 and ran five ops per sequence and layer.
 */
typedef struct {
    const float *q;      /* [H, D] */
    const uint8_t *k, *v;
    int f16;
    const int64_t *slots;
    int64_t count, stride_slot, stride_head;
    int heads, kv_heads, dim;
    float scale;
    float *out;          /* [H, D] */
    float *scores;       /* [H, count] scratch */
} attention_t;

static attention_t attention;

static inline float cache_value(const uint8_t *base, int f16, int64_t at) {
    return f16 ? fp16_to_f32(((const uint16_t *) base)[at]) : ((const float *) base)[at];
}

/* e^x for x <= 0 (Cephes' expf polynomial; relative error ~1e-7), written to vectorise. */
static inline float exp_nonpositive(float x) {
    x = x < -87.0f ? -87.0f : x;
    const float n = floorf(x * 1.44269504088896341f + 0.5f);
    const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    return p * bits_f32((uint32_t) ((int32_t) n + 127) << 23);
}

/* Softmax of row[0 .. n) in place; returns nothing, the row sums to 1. */
static void softmax_row(float *row, int64_t n) {
    float max = row[0];
    for (int64_t s = 1; s < n; s++) max = row[s] > max ? row[s] : max;
    float sum = 0;
    for (int64_t s = 0; s < n; s++) {
        row[s] = exp_nonpositive(row[s] - max);
        sum += row[s];
    }
    const float inv = 1.0f / sum;
    for (int64_t s = 0; s < n; s++) row[s] *= inv;
}

static void attention_heads_scalar(int64_t u0, int64_t u1) {
    const attention_t *a = &attention;
    const int groups = a->heads / a->kv_heads, dim = a->dim;
    for (int64_t kvh = u0; kvh < u1; kvh++) {
        for (int g = 0; g < groups; g++) {
            const int64_t h = kvh * groups + g;
            const float *q = a->q + h * dim;
            float *row = a->scores + h * a->count;
            for (int64_t s = 0; s < a->count; s++) {
                const int64_t at = a->slots[s] * a->stride_slot + kvh * a->stride_head;
                float dot = 0;
                for (int d = 0; d < dim; d++) dot += q[d] * cache_value(a->k, a->f16, at + d);
                row[s] = dot * a->scale;
            }
            softmax_row(row, a->count);
            float *out = a->out + h * dim;
            for (int d = 0; d < dim; d++) out[d] = 0;
            for (int64_t s = 0; s < a->count; s++) {
                const int64_t at = a->slots[s] * a->stride_slot + kvh * a->stride_head;
                for (int d = 0; d < dim; d++) out[d] += row[s] * cache_value(a->v, a->f16, at + d);
            }
        }
    }
}

/* 16 values of the cache from `at` as float32. */
__attribute__((target(T_AVX512))) ALWAYS_INLINE __m512 cache16(const uint8_t *base, int f16, int64_t at) {
    return f16 ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) ((const uint16_t *) base + at)))
               : _mm512_loadu_ps((const float *) base + at);
}

/* As attention_heads_scalar with D a multiple of 16 (at most 256): each key and value row read once for its G heads. */
__attribute__((target(T_AVX512))) static void attention_heads_avx512(int64_t u0, int64_t u1) {
    const attention_t *a = &attention;
    const int groups = a->heads / a->kv_heads, dim = a->dim, chunks = dim / 16;
    for (int64_t kvh = u0; kvh < u1; kvh++) {
        const int64_t h0 = kvh * groups;
        for (int64_t s = 0; s < a->count; s++) {
            const int64_t at = a->slots[s] * a->stride_slot + kvh * a->stride_head;
            __m512 kr[16];
            for (int c = 0; c < chunks; c++) kr[c] = cache16(a->k, a->f16, at + 16 * c);
            for (int g = 0; g < groups; g++) {
                const float *q = a->q + (h0 + g) * dim;
                __m512 acc = _mm512_mul_ps(kr[0], _mm512_loadu_ps(q));
                for (int c = 1; c < chunks; c++) acc = _mm512_fmadd_ps(kr[c], _mm512_loadu_ps(q + 16 * c), acc);
                a->scores[(h0 + g) * a->count + s] = _mm512_reduce_add_ps(acc) * a->scale;
            }
        }
        for (int g = 0; g < groups; g++) softmax_row(a->scores + (h0 + g) * a->count, a->count);
        for (int g = 0; g < groups; g++) memset(a->out + (h0 + g) * dim, 0, sizeof(float) * dim);
        for (int64_t s = 0; s < a->count; s++) {
            const int64_t at = a->slots[s] * a->stride_slot + kvh * a->stride_head;
            for (int c = 0; c < chunks; c++) {
                const __m512 vr = cache16(a->v, a->f16, at + 16 * c);
                for (int g = 0; g < groups; g++) {
                    float *out = a->out + (h0 + g) * dim + 16 * c;
                    const __m512 p = _mm512_set1_ps(a->scores[(h0 + g) * a->count + s]);
                    _mm512_storeu_ps(out, _mm512_fmadd_ps(p, vr, _mm512_loadu_ps(out)));
                }
            }
        }
    }
}

JNIEXPORT void JNICALL Java_org_invllava_runtime_nn_quant_QuantKernels_decodeAttention(
        JNIEnv *env, jclass cls, jint level, jobject q, jobject keys, jobject values, jboolean f16, jlongArray slots,
        jint count, jlong stride_slot, jlong stride_head, jint heads, jint kv_heads, jint dim, jfloat scale,
        jobject out) {
    pthread_mutex_lock(&call_lock);
    float *scores = scratch_of((size_t) heads * count * sizeof(float) + (size_t) count * sizeof(int64_t));
    if (scores == NULL) {
        pthread_mutex_unlock(&call_lock);
        (*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/OutOfMemoryError"), "attention scratch");
        return;
    }
    int64_t *positions = (int64_t *) (scores + (size_t) heads * count);
    (*env)->GetLongArrayRegion(env, slots, 0, count, (jlong *) positions);
    attention = (attention_t) {.q = (*env)->GetDirectBufferAddress(env, q),
                               .k = (*env)->GetDirectBufferAddress(env, keys),
                               .v = (*env)->GetDirectBufferAddress(env, values), .f16 = f16, .slots = positions,
                               .count = count, .stride_slot = stride_slot, .stride_head = stride_head, .heads = heads,
                               .kv_heads = kv_heads, .dim = dim, .scale = scale,
                               .out = (*env)->GetDirectBufferAddress(env, out), .scores = scores};
    run_parallel(level >= 2 && dim % 16 == 0 && dim <= 256 ? attention_heads_avx512 : attention_heads_scalar, kv_heads);
    pthread_mutex_unlock(&call_lock);
}
