#pragma once

#include <cstddef>
#include <vector>

namespace erg::sweep {

// A point with two objectives, both minimized (negate one to maximize it).
struct ParetoPoint {
  double x = 0.0;
  double y = 0.0;
};

// Indices of the non-dominated points, sorted by x ascending. A point is dominated when another
// is no worse in both objectives and better in one. Exact duplicates keep the first index.
std::vector<std::size_t> pareto_front(const std::vector<ParetoPoint>& points);

}  // namespace erg::sweep
