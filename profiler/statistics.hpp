#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include <nlohmann/json.hpp>

namespace erg::profiler {

// Above this coefficient of variation a summary warns that repetitions disagree.
inline constexpr double kHighCoefficientOfVariation = 0.05;

struct Summary {
  std::size_t n = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1)
  // 95% confidence interval of the mean from Student's t with n - 1 degrees of freedom;
  // unset for n < 2.
  std::optional<double> ci95_low;
  std::optional<double> ci95_high;
  std::optional<double> cv;  // stddev / mean; unset when the mean is 0
  bool high_cv = false;
};

// Throws erg::Error for an empty sample.
Summary summarize(std::span<const double> values, double high_cv = kHighCoefficientOfVariation);

// {"n", "mean", "stddev", "ci95_low", "ci95_high", "cv", "high_cv"}; unset fields are null.
nlohmann::json to_json(const Summary& summary);

}  // namespace erg::profiler
