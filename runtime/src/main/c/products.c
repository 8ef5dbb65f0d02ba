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
 * across the threads of pool.c. Three instruction levels, chosen at run time (or forced by the caller):
 * 2 = AVX-512 (F, BW, VL, VNNI), 1 = AVX2 + FMA + F16C, 0 = portable C.
 */
#include <stdlib.h>

#include "kernels.h"

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



static job_t job;
static units_fn job_kernel;

static void product_units(int64_t u0, int64_t u1) {
    job_kernel(&job, u0, u1);
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
    run_parallel(product_units, (job.out + unit_rows(format) - 1) / unit_rows(format));
    pthread_mutex_unlock(&call_lock);
}

