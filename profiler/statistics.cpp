#include "profiler/statistics.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>

#include "core/error.hpp"

namespace erg::profiler {

Summary summarize(std::span<const double> values, double high_cv) {
  if (values.empty()) throw Error("cannot summarize an empty sample", "statistics");
  Summary s;
  s.n = values.size();
  double sum = 0;
  for (double v : values)
    sum += v;
  s.mean = sum / static_cast<double>(s.n);
  if (s.n >= 2) {
    double squares = 0;
    for (double v : values)
      squares += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(squares / static_cast<double>(s.n - 1));
    const boost::math::students_t dist(static_cast<double>(s.n - 1));
    const double t = boost::math::quantile(boost::math::complement(dist, 0.025));
    const double half = t * s.stddev / std::sqrt(static_cast<double>(s.n));
    s.ci95_low = s.mean - half;
    s.ci95_high = s.mean + half;
  }
  if (s.mean != 0) {
    s.cv = s.stddev / std::fabs(s.mean);
    s.high_cv = *s.cv > high_cv;
  }
  return s;
}

nlohmann::json to_json(const Summary& s) {
  auto opt = [](const std::optional<double>& v) -> nlohmann::json {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {{"n", s.n},
          {"mean", s.mean},
          {"stddev", s.stddev},
          {"ci95_low", opt(s.ci95_low)},
          {"ci95_high", opt(s.ci95_high)},
          {"cv", opt(s.cv)},
          {"high_cv", s.high_cv}};
}

}  // namespace erg::profiler
