/*
 * The threads the kernels run on: libtorch's own OpenMP team when libtorch's libgomp is loaded (found at init; the team
 * is hot after libtorch's ops and no second set of spinning threads competes with it for the cores), else a pool of
 * our own, spinning briefly between calls, then sleeping on a futex.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <malloc.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernels.h"

enum { MAX_THREADS = 64, SPIN_ROUNDS = 20000 };

pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;
static void (*job_fn)(int64_t, int64_t);
static int64_t job_units;
static int threads = 1;
static _Atomic uint32_t generation;
static _Atomic int remaining;
static _Atomic int sleepers;

/* Part `part` of `parts` of the job's units. */
static void run_part(int part, int parts) {
    const int64_t u0 = job_units * part / parts, u1 = job_units * (part + 1) / parts;
    if (u0 < u1) job_fn(u0, u1);
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

static int find_gomp(struct dl_phdr_info *info, size_t size, void *unused) {
    (void) size;
    (void) unused;
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
    return 1;
}

void run_parallel(void (*fn)(int64_t, int64_t), int64_t units) {
    job_fn = fn;
    job_units = units;
    if (threads == 1 || units < 2) {
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
/* Per-thread scratch (the quantised activations, attention scores). */
static __thread void *scratch;
static __thread size_t scratch_bytes;

void *scratch_of(size_t bytes) {
    if (bytes > scratch_bytes) {
        free(scratch);
        scratch = malloc(bytes);
        scratch_bytes = scratch == NULL ? 0 : bytes;
    }
    return scratch;
}

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
    dl_iterate_phdr(find_gomp, NULL);
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


/* Gives the pages malloc holds free (in every arena) back to the system; returns whether any were. */
JNIEXPORT jboolean JNICALL Java_org_invllava_runtime_nn_quant_QuantKernels_trimMallocNative(JNIEnv *env, jclass cls) {
    return malloc_trim(0) == 1;
}
