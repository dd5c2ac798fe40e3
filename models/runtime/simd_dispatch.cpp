#include "models/runtime/simd_dispatch.hpp"

#include <cstdlib>

namespace erg::models::runtime {

bool use_avx2_fma() {
  static const bool on = [] {
#if defined(__x86_64__) || defined(__i386__)
    const char* off = std::getenv("ERG_NO_SIMD");
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && !(off && *off == '1');
#else
    return false;
#endif
  }();
  return on;
}

bool use_avx512vl() {
  static const bool on = [] {
#if defined(__x86_64__) || defined(__i386__)
    const char* off = std::getenv("ERG_NO_AVX512");
    return use_avx2_fma() && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512vl") && !(off && *off == '1');
#else
    return false;
#endif
  }();
  return on;
}

}  // namespace erg::models::runtime
