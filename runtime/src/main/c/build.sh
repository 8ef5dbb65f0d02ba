#!/usr/bin/env bash
# Builds the JNI libraries into $1 with the JDK headers of $2 (Maven's java.home):
#   libinvllava-mkl-packed.so (mkl_packed_gemm.c): MKL's packed SGEMM for float32 weights (nn.PackedWeight);
#   libinvllava-quant.so (products.c, decode_attention.c, pool.c): 16-bit and q8_0/q4_0 weight products and decode
#   attention (nn.quant.QuantKernels).
# Optional: without a C compiler, or off Linux x86-64, float32 products stay unpacked and the other weight formats
# run in plain Java (much slower); the runtime logs why.
set -u
out="$1"; jdk="$2"; dir="$(dirname "$0")"
if [ "$(uname -sm)" != "Linux x86_64" ] || ! command -v cc >/dev/null 2>&1 || [ ! -f "$jdk/include/jni.h" ]; then
  echo "[native] skipped: needs Linux x86-64, cc and $jdk/include/jni.h; products run without the native libraries"
  exit 0
fi
mkdir -p "$out"
build() { # library, "sources", extra flags
  local sources=()
  for f in $2; do sources+=("$dir/$f"); done
  if cc -shared -fPIC -O3 -Wall -I"$jdk/include" -I"$jdk/include/linux" -o "$out/lib$1.so" "${sources[@]}" "${@:3}"; then
    echo "[native] built $out/lib$1.so"
  else
    echo "[native] cc failed on $2; the runtime runs without lib$1.so"
    rm -f "$out/lib$1.so"
  fi
}
build invllava-mkl-packed mkl_packed_gemm.c -ldl
build invllava-quant "products.c decode_attention.c pool.c" -lpthread -lm -ldl
