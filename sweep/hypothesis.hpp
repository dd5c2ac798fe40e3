#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/experiment_spec.hpp"

namespace erg::sweep {

// Each component's share of the baseline design, {component: {...}}:
//  - weight_bytes and parameter_share: its bytes in the uncompressed model (as the workload's
//    weight_bytes reports them: fp32 weights plus the component's state buffers) over the sum;
//  - invocations and invocation_share: metrics.invocations_by_component over the sum (null for
//    rows stored before invocations were recorded);
//  - energy_uj_per_unit and energy_share: its modeled energy (breakdown_pj total) per energy unit
//    and its fraction of the component-attributed energy (static energy belongs to none).
nlohmann::json component_shares(const nlohmann::json& baseline_row,
                                const std::vector<std::string>& components,
                                const std::map<std::string, std::uint64_t>& weight_bytes);

// Whether the sensitivities of `table` (a search's first candidate table: every component one
// rung up from the design the search starts compressing) rank each adjacent pair (X, Y) of
// `order` apart, X's 95 % interval wholly below Y's. {"order_is_significant": all pairs apart
// (true when the order has fewer than two components), "order_pairs": [{"first", "second",
// "first_ci95", "second_ci95", "apart"}], "basis"}. Without intervals (point estimates) nothing
// is significant.
nlohmann::json order_significance(const std::vector<std::string>& order,
                                  const nlohmann::json& table, bool intervals);

// The verdict on the spec's [hypothesis] "compress <first> first" against a search: "holds" (the
// search compressed it first, its sensitivity interval below every other feasible candidate's),
// "not statistically supported" (the intervals that decide it overlap, or there are none),
// "does not hold" (another component went first, ranked apart from the claimed one, or the
// claimed one's step broke the budget or saved nothing) or "untested" (no claim, no such
// component, or no step kept the budget). Carries the numbers and a sentence ("reason").
nlohmann::json first_choice_verdict(const ExperimentSpec& spec,
                                    const std::vector<std::string>& order,
                                    const nlohmann::json& table, bool intervals,
                                    const nlohmann::json& components);

// The claim's energy premise, from component_shares: the claimed component takes the largest
// share of modeled energy, and a larger share of energy than of parameters. {"statement",
// "energy_share", "parameter_share", "largest_energy_share", "energy_exceeds_parameter_share",
// "largest_component", "holds" (null when the shares are missing), "reason"}.
nlohmann::json energy_premise(const std::string& claimed, const nlohmann::json& components);

}  // namespace erg::sweep
