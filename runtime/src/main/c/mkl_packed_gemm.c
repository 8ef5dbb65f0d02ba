/*
 * JNI binding of MKL's packed SGEMM (cblas_sgemm_pack / cblas_sgemm_compute), for
 * org.invllava.runtime.nn.PackedWeight.
 *
 * MKL is not linked here: it lives inside libtorch_cpu.so, which DJL has already loaded when this library is
 * initialised; the three functions are looked up there. All buffers are direct ByteBuffers over libtorch tensors
 * (float32, row-major, contiguous); nothing is allocated or freed here.
 */
#include <dlfcn.h>
#include <jni.h>
#include <stddef.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112, PACKED = 151, B_MATRIX = 162 };

typedef size_t (*pack_size_fn)(int identifier, int m, int n, int k);
typedef void (*pack_fn)(int layout, int identifier, int trans, int m, int n, int k, float alpha,
                        const float *src, int ld, float *dest);
typedef void (*compute_fn)(int layout, int transa, int transb, int m, int n, int k, const float *a, int lda,
                           const float *b, int ldb, float beta, float *c, int ldc);

static pack_size_fn pack_size;
static pack_fn pack;
static compute_fn compute;

/* Finds MKL's packed SGEMM in the already loaded libtorch_cpu.so; returns an error message or NULL. */
JNIEXPORT jstring JNICALL Java_org_invllava_runtime_nn_PackedWeight_bind(JNIEnv *env, jclass cls) {
    void *torch = dlopen("libtorch_cpu.so", RTLD_LAZY | RTLD_NOLOAD);
    if (torch == NULL) {
        return (*env)->NewStringUTF(env, "libtorch_cpu.so is not loaded");
    }
    pack_size = (pack_size_fn) dlsym(torch, "cblas_sgemm_pack_get_size");
    pack = (pack_fn) dlsym(torch, "cblas_sgemm_pack");
    compute = (compute_fn) dlsym(torch, "cblas_sgemm_compute");
    if (pack_size == NULL || pack == NULL || compute == NULL) {
        return (*env)->NewStringUTF(env, "libtorch_cpu.so does not export MKL's cblas_sgemm_pack/compute");
    }
    return NULL;
}

/* Bytes of the packed form of a weight [n, k] used as Wᵀ in products of about m rows. */
JNIEXPORT jlong JNICALL Java_org_invllava_runtime_nn_PackedWeight_packedBytes(JNIEnv *env, jclass cls, jint m,
                                                                              jint n, jint k) {
    return (jlong) pack_size(B_MATRIX, m, n, k);
}

/* packed := pack(Wᵀ) for the row-major weight W [n, k], laid out for products of about m rows. */
JNIEXPORT void JNICALL Java_org_invllava_runtime_nn_PackedWeight_pack(JNIEnv *env, jclass cls, jobject weight,
                                                                       jint m, jint n, jint k, jobject packed) {
    const float *w = (*env)->GetDirectBufferAddress(env, weight);
    float *dest = (*env)->GetDirectBufferAddress(env, packed);
    pack(ROW_MAJOR, B_MATRIX, TRANS, m, n, k, 1.0f, w, k, dest);
}

/* y [m, n] := x [m, k] · Wᵀ, with Wᵀ packed. */
JNIEXPORT void JNICALL Java_org_invllava_runtime_nn_PackedWeight_multiply(JNIEnv *env, jclass cls, jobject x,
                                                                           jint m, jint k, jobject packed, jint n,
                                                                           jobject y) {
    const float *a = (*env)->GetDirectBufferAddress(env, x);
    const float *b = (*env)->GetDirectBufferAddress(env, packed);
    float *c = (*env)->GetDirectBufferAddress(env, y);
    compute(ROW_MAJOR, NO_TRANS, PACKED, m, n, k, a, k, b, k, 0.0f, c, n);
}
