/*
 * MKL (linked into libtorch) picks its kernels by CPU vendor: on AMD it runs generic code that leaves half the
 * memory bandwidth unused. Answering "Intel" to its vendor check lets it choose by the CPU's features (CPUID), as
 * on Intel. bin/inverse-llava compiles this file and preloads it on AMD CPUs (INVERSE_LLAVA_MKL_SHIM=0: off).
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
int mkl_serv_intel_cpu(void) { return 1; }
