#include "sweep/pareto.hpp"

#include <gtest/gtest.h>

namespace erg::sweep {
namespace {

TEST(Pareto, KeepsOnlyNonDominatedPointsSortedByX) {
  // Hand-drawn: (1,5) (2,3) (4,1) form the front; (3,4) is dominated by (2,3), (5,1) by (4,1),
  // (2,6) by (1,5).
  const std::vector<ParetoPoint> points{{3, 4}, {1, 5}, {4, 1}, {2, 3}, {5, 1}, {2, 6}};
  EXPECT_EQ(pareto_front(points), (std::vector<std::size_t>{1, 3, 2}));
}

TEST(Pareto, DuplicatesKeepTheFirstAndEmptyIsEmpty) {
  EXPECT_TRUE(pareto_front({}).empty());
  EXPECT_EQ(pareto_front({{1, 1}, {1, 1}}), (std::vector<std::size_t>{0}));
  EXPECT_EQ(pareto_front({{1, 2}, {1, 1}}), (std::vector<std::size_t>{1}));
}

}  // namespace
}  // namespace erg::sweep
