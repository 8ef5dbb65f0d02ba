/*
 * Weight-only products for org.invllava.runtime.nn.quant.QuantKernels: y[r][o] = sum_i W[o][i] * x[r][i], W [out, in]
 * in one of the GGUF formats q8_0 / q4_0 (blocks of 32 with a float16 scale) or float16 / bfloat16; x [rows, in] and
 * y [rows, out] float32, row-major. q8_0 and q4_0 products quantise x to 8 bits per block of 32 first (a float32 scale
 * per block), as llama.cpp does, and multiply int8 by int8 (AVX-512 VNNI dpbusd, or AVX2 maddubs).
 *
 * q8_0 / q4_0 weights are kept regrouped (`regroup`): the same bytes as GGUF's blocks, but each block of 8 consecutive
 * rows stored together, its 8 scales first and its quants interleaved 4 bytes per row, so that one 256-bit vector holds
 * 4 weights of each of the 8 rows. A block then costs 8 dpbusd per x row and no horizontal sums: the 8 lanes are
 * the 8 output rows (llama.cpp's "repacked" q4_0x8 layouts do the same).
 *
 * Every weight byte is read once per call whatever the number of rows (up to TILE_X rows; more rows re-read it per
 * TILE_X): a group of 8 (or 16 float) weight rows stays in L1 while each 4 x rows pass over it. Output rows are split
 * across threads: libtorch's own OpenMP team where libtorch is loaded (its libgomp, found at init: the team is hot after
 * libtorch's ops and no second set of spinning threads competes with it for the cores), else a pool of our own
 * (spinning briefly between calls, then sleeping on a futex). Three instruction levels, chosen
 * at run time (or forced by the caller): 2 = AVX-512 (F, BW, VL, VNNI), 1 = AVX2 + FMA + F16C, 0 = portable C.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <immintrin.h>
#include <link.h>
#include <jni.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum format { F32 = 0, F16 = 1, BF16 = 2, Q8_0 = 3, Q4_0 = 4 };
enum { QK = 32, GROUP = 8, TILE_O = 16, TILE_R = 4, TILE_X = 64, MAX_THREADS = 64, SPIN_ROUNDS = 20000 };

typedef struct { uint16_t d; int8_t qs[QK]; } block_q8_0;       /* 34 bytes, as GGUF */
typedef struct { uint16_t d; uint8_t qs[QK / 2]; } block_q4_0;   /* 18 bytes: element j in low nibble j, 16+j high */

/* ---------- scalar conversions (the same arithmetic as ggml's reference; QuantFormats.java mirrors them) ---------- */

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

static void quantize_q8_0(const float *x, block_q8_0 *y, int64_t n) {
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float amax = 0;
        for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[j]));
        const float d = amax / 127, id = d ? 1.0f / d : 0.0f;
        y[b].d = f32_to_fp16(d);
        for (int j = 0; j < QK; j++) y[b].qs[j] = (int8_t) roundf(x[j] * id);
    }
}

static void quantize_q4_0(const float *x, block_q4_0 *y, int64_t n) {
    for (int64_t b = 0; b < n / QK; b++, x += QK) {
        float amax = 0, max = 0;
        for (int j = 0; j < QK; j++) {
            if (amax < fabsf(x[j])) { amax = fabsf(x[j]); max = x[j]; }
        }
        const float d = max / -8, id = d ? 1.0f / d : 0.0f;
        y[b].d = f32_to_fp16(d);
        for (int j = 0; j < QK / 2; j++) {
            const uint8_t lo = (uint8_t) fminf(15, (float) (int8_t) (x[j] * id + 8.5f));
            const uint8_t hi = (uint8_t) fminf(15, (float) (int8_t) (x[QK / 2 + j] * id + 8.5f));
            y[b].qs[j] = (uint8_t) (lo | (hi << 4));
        }
    }
}


/* Bytes of one block of GROUP regrouped rows: 8 float16 scales, then the quants. */
static inline int64_t group_block_bytes(int format) { return format == Q4_0 ? 16 + GROUP * QK / 2 : 16 + GROUP * QK; }

/*
 * GGUF rows [out, in] regrouped: for group g (rows 8g .. 8g+7; rows past `out` are zero) and block b, at
 * (g * nb + b) * group_block_bytes: the 8 scales, then 32-byte vectors k whose byte 4r + j is element 4k + j of row r
 * (q8_0: 8 vectors, each byte biased by 128 to be unsigned; q4_0: 4 vectors, element 4k + j in the low nibble and
 * element 4(k + 4) + j in the high nibble).
 */
static void regroup(int format, const void *rows, uint8_t *dst, int64_t out, int64_t in) {
    const int64_t nb = in / QK, groups = (out + GROUP - 1) / GROUP, bytes = group_block_bytes(format);
    for (int64_t g = 0; g < groups; g++) {
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *p = dst + (g * nb + b) * bytes;
            memset(p, 0, bytes);
            for (int r = 0; r < GROUP && g * GROUP + r < out; r++) {
                const int64_t row = g * GROUP + r;
                int8_t e[QK]; /* the block's values, signed */
                if (format == Q8_0) {
                    const block_q8_0 *blk = (const block_q8_0 *) rows + row * nb + b;
                    memcpy(p + 2 * r, &blk->d, 2);
                    memcpy(e, blk->qs, QK);
                } else {
                    const block_q4_0 *blk = (const block_q4_0 *) rows + row * nb + b;
                    memcpy(p + 2 * r, &blk->d, 2);
                    for (int j = 0; j < QK / 2; j++) {
                        e[j] = (int8_t) ((blk->qs[j] & 15) - 8);
                        e[QK / 2 + j] = (int8_t) ((blk->qs[j] >> 4) - 8);
                    }
                }
                for (int k = 0; k < QK / 4; k++) {
                    for (int j = 0; j < 4; j++) {
                        if (format == Q8_0) {
                            p[16 + 32 * k + 4 * r + j] = (uint8_t) (e[4 * k + j] + 128);
                        } else if (k < 4) {
                            p[16 + 32 * k + 4 * r + j] = (uint8_t) ((e[4 * k + j] + 8) | ((e[4 * (k + 4) + j] + 8) << 4));
                        }
                    }
                }
            }
            if (format == Q4_0) { /* zero rows hold 8 (value 0) like real ones; their scale is 0 anyway */
                for (int r = (int) (out - g * GROUP); r < GROUP; r++)
                    for (int k = 0; k < 4; k++) memset(p + 16 + 32 * k + 4 * r, 0x88, 4);
            }
        }
    }
}

/* ---------- one call's work ---------- */

typedef struct {
    int format;
    const void *w;
    int64_t out, in;
    const float *x;     /* [rows, in] */
    const int8_t *xq;   /* [rows, in]: x quantised per block (q8_0 / q4_0 weights) */
    const float *xd;    /* [rows, in / 32]: each block's scale */
    const int32_t *xs;  /* [rows, in / 32]: each block's sum of xq */
    int rows;
    float *y;           /* [rows, out] */
} job_t;

/* x's blocks as int8 with a float32 scale (amax / 127) and their sums; rounding to nearest even. */
static void quantize_activations(const float *x, int rows, int64_t in, int8_t *xq, float *xd, int32_t *xs) {
    const int64_t nb = in / QK;
    for (int64_t b = 0; b < rows * nb; b++) {
        const float *v = x + b * QK;
        float amax = 0;
        for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(v[j]));
        const float d = amax / 127, id = d ? 1.0f / d : 0.0f;
        int32_t sum = 0;
        for (int j = 0; j < QK; j++) {
            const int8_t q = (int8_t) nearbyintf(v[j] * id);
            xq[b * QK + j] = q;
            sum += q;
        }
        xd[b] = d;
        xs[b] = sum;
    }
}

/* Units the output rows are split into: groups of 8 rows (q8_0 / q4_0) or tiles of 16 (16-bit weights). */
static inline int64_t unit_rows(int format) { return format == Q8_0 || format == Q4_0 ? GROUP : TILE_O; }

/* ---------- level 0: portable C ---------- */

/* Weight value (as an integer) of row r, element e of a regrouped block. */
static inline int grouped_value(int format, const uint8_t *blk, int r, int e) {
    const int k = e / 4, j = e % 4;
    if (format == Q8_0) return blk[16 + 32 * k + 4 * r + j] - 128;
    const uint8_t byte = blk[16 + 32 * (k % 4) + 4 * r + j];
    return (k < 4 ? byte & 15 : byte >> 4) - 8;
}

static void units_scalar(const job_t *j, int64_t u0, int64_t u1) {
    const int64_t in = j->in, nb = in / QK;
    const int64_t per = unit_rows(j->format);
    for (int64_t o = u0 * per; o < u1 * per && o < j->out; o++) {
        for (int r = 0; r < j->rows; r++) {
            const float *x = j->x + (int64_t) r * in;
            float sum = 0;
            if (j->format == F16 || j->format == BF16) {
                const uint16_t *w = (const uint16_t *) j->w + o * in;
                for (int64_t i = 0; i < in; i++) sum += (j->format == F16 ? fp16_to_f32(w[i]) : bf16_to_f32(w[i])) * x[i];
            } else {
                const int64_t g = o / GROUP, row = o % GROUP;
                for (int64_t b = 0; b < nb; b++) {
                    const uint8_t *blk = (const uint8_t *) j->w + (g * nb + b) * group_block_bytes(j->format);
                    const int8_t *xq = j->xq + ((int64_t) r * nb + b) * QK;
                    int32_t p = 0;
                    for (int e = 0; e < QK; e++) p += grouped_value(j->format, blk, (int) row, e) * xq[e];
                    uint16_t d;
                    memcpy(&d, blk + 2 * row, 2);
                    sum += fp16_to_f32(d) * j->xd[(int64_t) r * nb + b] * (float) p;
                }
            }
            j->y[(int64_t) r * j->out + o] = sum;
        }
    }
}

/* ---------- levels 1 and 2 ---------- */

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define T_AVX2 "avx2,fma,f16c"
#define T_AVX512 "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"

__attribute__((target(T_AVX2))) ALWAYS_INLINE float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Elements 4k .. 4k+3 of an x block, in every 32-bit lane. */
#define X_GROUP(xb, k) _mm256_set1_epi32(((const int32_t *) (xb))[k])

/* The 8 weight vectors of a regrouped block: unsigned bytes (q4_0: 0..15, q8_0: biased by 128). */
#define LOAD_Q4(blk, w)                                                                                     \
    for (int k = 0; k < 4; k++) {                                                                           \
        const __m256i v = _mm256_loadu_si256((const __m256i *) ((blk) + 16 + 32 * k));                      \
        w[k] = _mm256_and_si256(v, _mm256_set1_epi8(0x0F));                                                 \
        w[k + 4] = _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0F));                       \
    }
#define LOAD_Q8(blk, w)                                                                                     \
    for (int k = 0; k < 8; k++) w[k] = _mm256_loadu_si256((const __m256i *) ((blk) + 16 + 32 * k));

/* Sum over the block of w·x in each row's lane, starting from `start` (the unsigned weights' offset correction). */
#define DOT_VNNI(start, w, xb)                                                                              \
    _mm256_add_epi32(                                                                                       \
        _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_dpbusd_epi32(start, w[0], X_GROUP(xb, 0)), \
            w[2], X_GROUP(xb, 2)), w[4], X_GROUP(xb, 4)), w[6], X_GROUP(xb, 6)),                            \
        _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), \
            w[1], X_GROUP(xb, 1)), w[3], X_GROUP(xb, 3)), w[5], X_GROUP(xb, 5)), w[7], X_GROUP(xb, 7)))

__attribute__((target(T_AVX2))) ALWAYS_INLINE __m256i dot_avx2(__m256i start, const __m256i *w, const int8_t *xb) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i a = start, c = _mm256_setzero_si256();
    for (int k = 0; k < 8; k += 2) { /* u8 · s8 pairs to int16 (no saturation: |w| <= 15 · 127 · 2), then int32 */
        a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_maddubs_epi16(w[k], X_GROUP(xb, k)), ones));
        c = _mm256_add_epi32(c, _mm256_madd_epi16(_mm256_maddubs_epi16(w[k + 1], X_GROUP(xb, k + 1)), ones));
    }
    return _mm256_add_epi32(a, c);
}

/* q8_0 on AVX2: |w| times x with w's sign, so that maddubs cannot saturate (llama.cpp does the same). */
__attribute__((target(T_AVX2))) ALWAYS_INLINE __m256i dot_q8_avx2(const __m256i *w, const int8_t *xb) {
    const __m256i ones = _mm256_set1_epi16(1), bias = _mm256_set1_epi8((char) 0x80);
    __m256i a = _mm256_setzero_si256(), c = _mm256_setzero_si256();
    for (int k = 0; k < 8; k += 2) {
        const __m256i w0 = _mm256_xor_si256(w[k], bias), w1 = _mm256_xor_si256(w[k + 1], bias);
        a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(w0, w0),
                                                                       _mm256_sign_epi8(X_GROUP(xb, k), w0)), ones));
        c = _mm256_add_epi32(c, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(w1, w1),
                                                                       _mm256_sign_epi8(X_GROUP(xb, k + 1), w1)), ones));
    }
    return _mm256_add_epi32(a, c);
}

#define DOT_Q4_VNNI(w, xb, xs) DOT_VNNI(_mm256_set1_epi32(-8 * (xs)), w, xb)
#define DOT_Q8_VNNI(w, xb, xs) DOT_VNNI(_mm256_set1_epi32(-128 * (xs)), w, xb)
#define DOT_Q4_AVX2(w, xb, xs) dot_avx2(_mm256_set1_epi32(-8 * (xs)), w, xb)
#define DOT_Q8_AVX2(w, xb, xs) dot_q8_avx2(w, xb)

/* Rows r0 .. r0+nr (nr a constant after inlining) of x times group g: 8 outputs per x row. */
#define DEFINE_GROUP_MICRO(name, isa, LOAD, DOT)                                                            \
    __attribute__((target(isa))) ALWAYS_INLINE void name(const job_t *j, int64_t g, int r0, const int nr) { \
        const int64_t nb = j->in / QK, bytes = group_block_bytes(j->format);                               \
        const uint8_t *p = (const uint8_t *) j->w + g * nb * bytes;                                        \
        __m256 acc[TILE_R];                                                                                 \
        for (int r = 0; r < nr; r++) acc[r] = _mm256_setzero_ps();                                          \
        for (int64_t b = 0; b < nb; b++) {                                                                  \
            const uint8_t *blk = p + b * bytes;                                                             \
            const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) blk));                      \
            __m256i w[8];                                                                                   \
            LOAD(blk, w)                                                                                    \
            for (int r = 0; r < nr; r++) {                                                                  \
                const int64_t xb = (int64_t) (r0 + r) * nb + b;                                             \
                const __m256i s = DOT(w, j->xq + xb * QK, j->xs[xb]);                                       \
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, _mm256_set1_ps(j->xd[xb])), acc[r]); \
            }                                                                                               \
        }                                                                                                   \
        const int64_t o = g * GROUP, valid = j->out - o < GROUP ? j->out - o : GROUP;                       \
        for (int r = 0; r < nr; r++) {                                                                      \
            float *y = j->y + (int64_t) (r0 + r) * j->out + o;                                              \
            if (valid == GROUP) {                                                                           \
                _mm256_storeu_ps(y, acc[r]);                                                                \
            } else {                                                                                        \
                float t[GROUP];                                                                             \
                _mm256_storeu_ps(t, acc[r]);                                                                \
                for (int v = 0; v < valid; v++) y[v] = t[v];                                                \
            }                                                                                               \
        }                                                                                                   \
    }

/* Groups u0 .. u1 for every x row: TILE_X rows at a time (their quantised blocks stay in L2), 4 rows per pass. */
#define DEFINE_GROUPS(name, isa, micro)                                                                     \
    __attribute__((target(isa))) static void name(const job_t *j, int64_t u0, int64_t u1) {                 \
        for (int x0 = 0; x0 < j->rows; x0 += TILE_X) {                                                      \
            const int x1 = j->rows - x0 < TILE_X ? j->rows : x0 + TILE_X;                                   \
            for (int64_t g = u0; g < u1; g++) {                                                             \
                for (int r0 = x0; r0 < x1; r0 += TILE_R) {                                                  \
                    switch (x1 - r0 < TILE_R ? x1 - r0 : TILE_R) {                                          \
                        case 1: micro(j, g, r0, 1); break;                                                  \
                        case 2: micro(j, g, r0, 2); break;                                                  \
                        case 3: micro(j, g, r0, 3); break;                                                  \
                        default: micro(j, g, r0, 4); break;                                                 \
                    }                                                                                       \
                }                                                                                           \
            }                                                                                               \
        }                                                                                                   \
    }

DEFINE_GROUP_MICRO(q4_vnni, T_AVX512, LOAD_Q4, DOT_Q4_VNNI)
DEFINE_GROUP_MICRO(q8_vnni, T_AVX512, LOAD_Q8, DOT_Q8_VNNI)
DEFINE_GROUP_MICRO(q4_avx2, T_AVX2, LOAD_Q4, DOT_Q4_AVX2)
DEFINE_GROUP_MICRO(q8_avx2, T_AVX2, LOAD_Q8, DOT_Q8_AVX2)
DEFINE_GROUPS(groups_q4_vnni, T_AVX512, q4_vnni)
DEFINE_GROUPS(groups_q8_vnni, T_AVX512, q8_vnni)
DEFINE_GROUPS(groups_q4_avx2, T_AVX2, q4_avx2)
DEFINE_GROUPS(groups_q8_avx2, T_AVX2, q8_avx2)

/* Tiles u0 .. u1 of 16 weight rows of a 16-bit weight, 4 weight rows by up to 4 x rows at a time. */
#define DEFINE_TILES(name, isa, micro)                                                                      \
    __attribute__((target(isa))) static void name(const job_t *j, int64_t u0, int64_t u1) {                 \
        const int64_t o1 = u1 * TILE_O < j->out ? u1 * TILE_O : j->out;                                     \
        for (int x0 = 0; x0 < j->rows; x0 += TILE_X) {                                                      \
            const int x1 = j->rows - x0 < TILE_X ? j->rows : x0 + TILE_X;                                   \
            for (int64_t ot = u0 * TILE_O; ot < o1; ot += TILE_O) {                                         \
                const int64_t oe = ot + TILE_O < o1 ? ot + TILE_O : o1;                                     \
                for (int r0 = x0; r0 < x1; r0 += TILE_R) {                                                  \
                    const int nr = x1 - r0 < TILE_R ? x1 - r0 : TILE_R;                                     \
                    for (int64_t o = ot; o < oe; o += 4) {                                                  \
                        float s[TILE_R][4];                                                                 \
                        switch (nr) {                                                                       \
                            case 1: micro(j, o, r0, 1, s); break;                                           \
                            case 2: micro(j, o, r0, 2, s); break;                                           \
                            case 3: micro(j, o, r0, 3, s); break;                                           \
                            default: micro(j, o, r0, 4, s); break;                                          \
                        }                                                                                   \
                        for (int r = 0; r < nr; r++)                                                        \
                            for (int m = 0; m < 4 && o + m < oe; m++) j->y[(int64_t) (r0 + r) * j->out + o + m] = s[r][m]; \
                    }                                                                                       \
                }                                                                                           \
            }                                                                                               \
        }                                                                                                   \
    }

/*
 * 16-bit weights widened to float32 (WIDEN: 16 or 8 lanes): weight rows o .. o+3 times x rows r0 .. r0+nr, each x
 * load used by 4 weight rows and each widened weight by nr x rows. Weight rows past `out` repeat the last one.
 */
#define DEFINE_FLOAT_MICRO(name, isa, VEC, LANES, ZERO, LOADX, FMA, REDUCE, WIDEN, SCALAR)                  \
    __attribute__((target(isa))) ALWAYS_INLINE void name(const job_t *j, int64_t o, int r0, const int nr,   \
                                                         float s[TILE_R][4]) {                             \
        const int64_t in = j->in;                                                                           \
        const uint16_t *w[4];                                                                               \
        for (int m = 0; m < 4; m++) w[m] = (const uint16_t *) j->w + (o + m < j->out ? o + m : j->out - 1) * in; \
        VEC a[TILE_R][4];                                                                                   \
        for (int r = 0; r < nr; r++)                                                                        \
            for (int m = 0; m < 4; m++) a[r][m] = ZERO();                                                   \
        int64_t i = 0;                                                                                      \
        for (; i + LANES <= in; i += LANES) {                                                               \
            VEC wv[4];                                                                                      \
            for (int m = 0; m < 4; m++) wv[m] = WIDEN(w[m] + i);                                            \
            for (int r = 0; r < nr; r++) {                                                                  \
                const VEC xv = LOADX(j->x + (int64_t) (r0 + r) * in + i);                                   \
                for (int m = 0; m < 4; m++) a[r][m] = FMA(wv[m], xv, a[r][m]);                              \
            }                                                                                               \
        }                                                                                                   \
        for (int r = 0; r < nr; r++) {                                                                      \
            const float *x = j->x + (int64_t) (r0 + r) * in;                                                \
            for (int m = 0; m < 4; m++) {                                                                   \
                float t = REDUCE(a[r][m]);                                                                  \
                for (int64_t k = i; k < in; k++) t += SCALAR(w[m][k]) * x[k];                               \
                s[r][m] = t;                                                                                \
            }                                                                                               \
        }                                                                                                   \
    }

#define F16_512(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (p)))
#define BF16_512(p) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *) (p))), 16))
#define F16_256(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (p)))
#define BF16_256(p) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *) (p))), 16))
#define REDUCE_512(a) _mm512_reduce_add_ps(a)
#define REDUCE_256(a) hsum256(a)

DEFINE_FLOAT_MICRO(f16_512, T_AVX512, __m512, 16, _mm512_setzero_ps, _mm512_loadu_ps, _mm512_fmadd_ps, REDUCE_512,
                   F16_512, fp16_to_f32)
DEFINE_FLOAT_MICRO(bf16_512, T_AVX512, __m512, 16, _mm512_setzero_ps, _mm512_loadu_ps, _mm512_fmadd_ps, REDUCE_512,
                   BF16_512, bf16_to_f32)
DEFINE_FLOAT_MICRO(f16_256, T_AVX2, __m256, 8, _mm256_setzero_ps, _mm256_loadu_ps, _mm256_fmadd_ps, REDUCE_256,
                   F16_256, fp16_to_f32)
DEFINE_FLOAT_MICRO(bf16_256, T_AVX2, __m256, 8, _mm256_setzero_ps, _mm256_loadu_ps, _mm256_fmadd_ps, REDUCE_256,
                   BF16_256, bf16_to_f32)
DEFINE_TILES(tiles_f16_512, T_AVX512, f16_512)
DEFINE_TILES(tiles_bf16_512, T_AVX512, bf16_512)
DEFINE_TILES(tiles_f16_256, T_AVX2, f16_256)
DEFINE_TILES(tiles_bf16_256, T_AVX2, bf16_256)

typedef void (*units_fn)(const job_t *, int64_t, int64_t);

static units_fn kernel_for(int level, int format) {
    if (level >= 2) {
        switch (format) {
            case F16: return tiles_f16_512;
            case BF16: return tiles_bf16_512;
            case Q8_0: return groups_q8_vnni;
            case Q4_0: return groups_q4_vnni;
        }
    } else if (level == 1) {
        switch (format) {
            case F16: return tiles_f16_256;
            case BF16: return tiles_bf16_256;
            case Q8_0: return groups_q8_avx2;
            case Q4_0: return groups_q4_avx2;
        }
    }
    return units_scalar;
}



/* ---------- the thread pool ---------- */

static job_t job;
static units_fn job_kernel;
static void (*job_units)(int64_t, int64_t); /* set instead of job_kernel for work other than a product */
static int64_t job_unit_count;
static int threads = 1;
static _Atomic uint32_t generation;
static _Atomic int remaining;
static _Atomic int sleepers;
static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;

/* Part `part` of `parts` of the output rows, in whole units (groups or tiles). */
static void run_part(int part, int parts) {
    const int64_t units = job_units != NULL ? job_unit_count : (job.out + unit_rows(job.format) - 1) / unit_rows(job.format);
    const int64_t u0 = units * part / parts, u1 = units * (part + 1) / parts;
    if (u0 >= u1) return;
    if (job_units != NULL) job_units(u0, u1);
    else job_kernel(&job, u0, u1);
}

static void *worker(void *arg) {
    const int id = (int) (intptr_t) arg;
    uint32_t seen = 0;
    for (;;) {
        uint32_t g;
        int spins = 0;
        while ((g = atomic_load(&generation)) == seen) {
            if (++spins < SPIN_ROUNDS) {
                _mm_pause();
                continue;
            }
            atomic_fetch_add(&sleepers, 1);
            if (atomic_load(&generation) == seen) {
                syscall(SYS_futex, (int *) &generation, FUTEX_WAIT_PRIVATE, (int) seen, NULL, NULL, 0);
            }
            atomic_fetch_sub(&sleepers, 1);
            spins = 0;
        }
        seen = g;
        run_part(id, threads);
        atomic_fetch_sub(&remaining, 1);
    }
    return NULL;
}

/* libtorch's OpenMP runtime (GOMP_parallel is what `#pragma omp parallel` compiles to), when found at init. */
static void (*gomp_parallel)(void (*)(void *), void *, unsigned, unsigned);
static int (*omp_thread_num)(void);
static int (*omp_num_threads)(void);

static void gomp_body(void *unused) {
    (void) unused;
    run_part(omp_thread_num(), omp_num_threads());
}

static int find_gomp(struct dl_phdr_info *info, size_t size, void *found) {
    (void) size;
    if (strstr(info->dlpi_name, "libgomp") == NULL) return 0;
    void *lib = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
    if (lib == NULL) return 0;
    gomp_parallel = (void (*)(void (*)(void *), void *, unsigned, unsigned)) dlsym(lib, "GOMP_parallel");
    omp_thread_num = (int (*)(void)) dlsym(lib, "omp_get_thread_num");
    omp_num_threads = (int (*)(void)) dlsym(lib, "omp_get_num_threads");
    if (gomp_parallel == NULL || omp_thread_num == NULL || omp_num_threads == NULL) {
        gomp_parallel = NULL;
        return 0;
    }
    snprintf((char *) found, 256, "%s", info->dlpi_name);
    return 1;
}

static void run_job(void) {
    if (threads == 1 || (job_units == NULL && job.out < 2 * TILE_O) || (job_units != NULL && job_unit_count < 2)) {
        run_part(0, 1);
        return;
    }
    if (gomp_parallel != NULL) {
        gomp_parallel(gomp_body, NULL, (unsigned) threads, 0);
        return;
    }
    atomic_store(&remaining, threads - 1);
    atomic_fetch_add(&generation, 1);
    if (atomic_load(&sleepers) > 0) {
        syscall(SYS_futex, (int *) &generation, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    }
    run_part(0, threads);
    while (atomic_load(&remaining) > 0) _mm_pause();
}

/* Per-thread scratch for the quantised activations. */
static __thread void *scratch;
static __thread size_t scratch_bytes;

static void *scratch_of(size_t bytes) {
    if (bytes > scratch_bytes) {
        free(scratch);
        scratch = malloc(bytes);
        scratch_bytes = scratch == NULL ? 0 : bytes;
    }
    return scratch;
}

/* ---------- JNI ---------- */

/*
 * Products run on `count` threads (the caller counts as one): on libtorch's OpenMP team when its libgomp is loaded,
 * else on threads started here. Returns the best instruction level this CPU has.
 */
JNIEXPORT jint JNICALL Java_org_invllava_runtime_nn_quant_QuantKernels_init(JNIEnv *env, jclass cls, jint count) {
    __builtin_cpu_init();
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    const int avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
                       && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
    threads = count < 1 ? 1 : count > MAX_THREADS ? MAX_THREADS : count;
    char gomp[256] = "";
    dl_iterate_phdr(find_gomp, gomp);
    for (int i = 1; i < threads && gomp_parallel == NULL; i++) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        const int failed = pthread_create(&t, &attr, worker, (void *) (intptr_t) i);
        pthread_attr_destroy(&attr);
        if (failed) {
            threads = i;
            break;
        }
    }
    return avx512 ? 2 : avx2 ? 1 : 0;
}

/* Whose threads products run on: libtorch's OpenMP team or our own pool. */
JNIEXPORT jstring JNICALL Java_org_invllava_runtime_nn_quant_QuantKernels_pool(JNIEnv *env, jclass cls) {
    return (*env)->NewStringUTF(env, gomp_parallel != NULL ? "libtorch's OpenMP threads" : "own threads");
}

/* The number of threads products run on. */
JNIEXPORT jint JNICALL Java_org_invllava_runtime_nn_quant_QuantKernels_threads(JNIEnv *env, jclass cls) {
    return threads;
}

/* dst := src [n] float32 in `format` (n a multiple of 32 for q8_0 / q4_0). */
JNIEXPORT void JNICALL Java_org_invllava_runtime_nn_quant_QuantKernels_quantize(JNIEnv *env, jclass cls, jobject src,
                                                                          jlong n, jint format, jobject dst) {
    const float *x = (*env)->GetDirectBufferAddress(env, src);
    void *y = (*env)->GetDirectBufferAddress(env, dst);
    switch (format) {
        case F16: for (jlong i = 0; i < n; i++) ((uint16_t *) y)[i] = f32_to_fp16(x[i]); break;
        case BF16: for (jlong i = 0; i < n; i++) ((uint16_t *) y)[i] = f32_to_bf16(x[i]); break;
        case Q8_0: quantize_q8_0(x, y, n); break;
        case Q4_0: quantize_q4_0(x, y, n); break;
    }
}

/* dst := the q8_0 / q4_0 rows [out, in] of `rows` regrouped for the kernels (`regroup`); dst holds whole groups. */
JNIEXPORT void JNICALL Java_org_invllava_runtime_nn_quant_QuantKernels_regroup(JNIEnv *env, jclass cls, jint format,
                                                                               jobject rows, jint out, jint in,
                                                                               jobject dst) {
    regroup(format, (*env)->GetDirectBufferAddress(env, rows), (*env)->GetDirectBufferAddress(env, dst), out, in);
}

/* y [rows, out] := x [rows, in] · Wᵀ for W [out, in] in `format`, with the kernels of instruction level `level`. */
JNIEXPORT void JNICALL Java_org_invllava_runtime_nn_quant_QuantKernels_multiply(JNIEnv *env, jclass cls, jint level,
                                                                                jint format,
                                                                          jobject w, jint out, jint in, jobject x,
                                                                          jint rows, jobject y) {
    pthread_mutex_lock(&call_lock);
    job = (job_t) {.format = format, .w = (*env)->GetDirectBufferAddress(env, w), .out = out, .in = in,
                   .x = (*env)->GetDirectBufferAddress(env, x), .rows = rows,
                   .y = (*env)->GetDirectBufferAddress(env, y)};
    if (format == Q8_0 || format == Q4_0) {
        const int64_t blocks = (int64_t) rows * (in / QK);
        int8_t *q = scratch_of((size_t) blocks * (QK + 8));
        if (q == NULL) {
            pthread_mutex_unlock(&call_lock);
            (*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/OutOfMemoryError"), "activation scratch");
            return;
        }
        job.xq = q;
        job.xd = (float *) (q + blocks * QK);
        job.xs = (int32_t *) (q + blocks * (QK + 4));
        quantize_activations(job.x, rows, in, q, (float *) job.xd, (int32_t *) job.xs);
    }
    job_kernel = kernel_for(level, format);
    job_units = NULL;
    run_job();
    pthread_mutex_unlock(&call_lock);
}

/* ---------- decode attention over a cache read in place ---------- */

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
    int level;
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
                               .out = (*env)->GetDirectBufferAddress(env, out), .scores = scores, .level = level};
    job_units = level >= 2 && dim % 16 == 0 && dim <= 256 ? attention_heads_avx512 : attention_heads_scalar;
    job_unit_count = kv_heads;
    run_job();
    job_units = NULL;
    pthread_mutex_unlock(&call_lock);
}
