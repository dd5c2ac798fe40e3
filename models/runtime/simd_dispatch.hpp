#pragma once

namespace erg::models::runtime {

// Whether the AVX2+FMA kernels run: the CPU has both and ERG_NO_SIMD=1 is not set. Every
// runtime kernel family chooses with this one answer, once per process, so a process never mixes
// vector and portable arithmetic.
bool use_avx2_fma();

}  // namespace erg::models::runtime
