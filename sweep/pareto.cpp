#include "sweep/pareto.hpp"

#include <algorithm>
#include <numeric>

namespace erg::sweep {

std::vector<std::size_t> pareto_front(const std::vector<ParetoPoint>& points) {
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  // Sort by x, then y, then index; one sweep keeping strictly improving y gives the front.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (points[a].x != points[b].x) return points[a].x < points[b].x;
    if (points[a].y != points[b].y) return points[a].y < points[b].y;
    return a < b;
  });
  std::vector<std::size_t> front;
  for (std::size_t i : order) {
    if (front.empty() || points[i].y < points[front.back()].y) front.push_back(i);
  }
  return front;
}

}  // namespace erg::sweep
