#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "core/access_sink.hpp"

namespace erg::models::testing {

// Checks the engines' invocation brackets as they arrive: every on_invocation_end closes the
// innermost open invocation of the same component. Counts begins and ends per component.
class InvocationPairingSink final : public AccessSink {
 public:
  void on_invocation(ComponentId component) override {
    open_.push_back(component);
    ++begins[component];
    max_depth = std::max(max_depth, open_.size());
  }
  void on_invocation_end(ComponentId component) override {
    if (open_.empty() || open_.back() != component) {
      ++mismatched_ends;
      return;
    }
    open_.pop_back();
    ++ends[component];
  }
  void on_access(const AccessEvent&) override {}
  void on_compute(const ComputeEvent&) override {}

  std::size_t open() const { return open_.size(); }

  std::map<ComponentId, std::uint64_t> begins, ends;
  std::uint64_t mismatched_ends = 0;
  std::size_t max_depth = 0;

 private:
  std::vector<ComponentId> open_;
};

}  // namespace erg::models::testing
