#pragma once

#include <map>
#include <vector>

#include "core/component_registry.hpp"
#include "core/counting_sink.hpp"
#include "simulator/hierarchy_config.hpp"
#include "simulator/hierarchy_stats.hpp"

namespace erg::simulator {

// The analytic (reuse-distance) mode. Instead of simulating every line, it walks the tensor-level
// use sequence that CountingSink records and, per cache level, keeps an LRU stack of tensors in a
// Fenwick tree over use time. When tensor T (m lines) is used again after D distinct lines of
// other tensors, each of its lines has stack distance m - 1 + D, so the whole use hits a fully
// associative LRU cache of C lines exactly when m + D <= C. Set-associative levels are modelled as
// fully associative of the same capacity, which is accurate for streaming-weight workloads.
//
// Exactness: equal to the trace-driven Hierarchy, count for count, for fully associative LRU
// write-allocate levels when every tensor starts on a line boundary, every use touches the tensor
// from its start with the same size each time, and (beyond the first level) the workload is
// read-only. No-write-allocate writes can hit part of a tensor; that is modelled (the newest
// lines of the old copy hit) but later reuse is then approximate. Writebacks are attributed to
// the evicted tensor's component rather than to the access that evicted it.
// Misses go to the DRAM model line by line, so row-buffer counts follow the analytic miss stream.
// Time: per component, the longer of its MACs over peak and its DRAM bytes over bandwidth.
HierarchyStats simulate_analytic(const HierarchyConfig& config,
                                 const std::map<TensorId, TensorInfo>& tensors,
                                 const std::vector<TensorUse>& uses,
                                 const std::vector<ComponentCounts>& component_counts);

// Convenience: everything from a CountingSink built with record_uses = true.
HierarchyStats simulate_analytic(const HierarchyConfig& config, const CountingSink& sink);

}  // namespace erg::simulator
