#pragma once

namespace erg::models::runtime {

// Whether the AVX2+FMA kernels run: the CPU has both and ERG_NO_SIMD=1 is not set. Every
// runtime kernel family chooses with this one answer, once per process, so a process never mixes
// vector and portable arithmetic.
bool use_avx2_fma();

// Whether the fp32 matmul also uses AVX-512VL's 32 vector registers (wider register blocks, the
// same arithmetic): use_avx2_fma(), the CPU has AVX-512F and VL, and ERG_NO_AVX512=1 is not set.
bool use_avx512vl();

}  // namespace erg::models::runtime
