#!/usr/bin/env bash
# Builds the packed-GEMM JNI binding (mkl_packed_gemm.c) into $1 with the JDK headers of $2 (Maven's java.home).
# Optional: without a C compiler, or off Linux x86-64, the runtime runs its products unpacked (it logs why).
set -u
out="$1"; jdk="$2"; src="$(dirname "$0")/mkl_packed_gemm.c"
if [ "$(uname -sm)" != "Linux x86_64" ] || ! command -v cc >/dev/null 2>&1 || [ ! -f "$jdk/include/jni.h" ]; then
  echo "[packed-gemm] skipped: needs Linux x86-64, cc and $jdk/include/jni.h; float32 products stay unpacked"
  exit 0
fi
mkdir -p "$out"
if cc -shared -fPIC -O2 -Wall -I"$jdk/include" -I"$jdk/include/linux" -o "$out/libinvllava-mkl-packed.so" "$src" -ldl; then
  echo "[packed-gemm] built $out/libinvllava-mkl-packed.so"
else
  echo "[packed-gemm] cc failed; float32 products stay unpacked"
  rm -f "$out/libinvllava-mkl-packed.so"
fi
