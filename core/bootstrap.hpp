#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace erg {

// Resampling settings shared by every bootstrap erg reports. The seed is fixed so that the same
// inputs always give the same interval (reports and tests compare them).
struct BootstrapOptions {
  std::size_t resamples = 2000;  // the issue asks for >= 1,000
  std::uint64_t seed = 20261203;
  double level = 0.95;  // central interval
};

// A point estimate with its percentile bootstrap interval, and the sample behind it.
struct Interval {
  double value = 0.0;  // the estimate on the full sample
  double low = 0.0;
  double high = 0.0;
  std::size_t samples = 0;    // units resampled (utterances)
  std::size_t resamples = 0;  // 0 when no interval could be formed (empty sample)
};

// Ratio of sums, e.g. corpus WER = sum(errors_i) / sum(words_i), with units (utterances)
// resampled with replacement. numerator and denominator have one entry per unit.
// Throws erg::Error when their lengths differ or level is not inside (0, 1).
// The endpoints are percentiles of the resampled ratios: the ceil(q R)-th smallest of R, at
// q = (1 -+ level) / 2 (indices drawn from std::mt19937_64 seeded with options.seed). A resample
// whose denominator sums to 0 has no ratio and is left out (resamples counts those kept). Empty
// input, or a full sample whose denominator sums to 0, gives value NaN; with no resample kept,
// low and high are NaN and resamples 0.
Interval bootstrap_ratio(std::span<const double> numerator, std::span<const double> denominator,
                         const BootstrapOptions& options = {});

// Paired difference of two ratios over the same units, e.g. WER(b) - WER(a) where
// errors_a[i] and errors_b[i] were measured on the same utterance i with words[i] reference
// words. Every resample draws one index set and applies it to both, which is what makes the
// interval of a difference far narrower than the two separate intervals.
Interval paired_bootstrap_difference(std::span<const double> numerator_a,
                                     std::span<const double> numerator_b,
                                     std::span<const double> denominator,
                                     const BootstrapOptions& options = {});

}  // namespace erg
