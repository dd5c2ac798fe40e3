#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/bootstrap.hpp"

namespace erg::sweep {

// A difference of the accuracy metric between two rows, metric(candidate) - metric(reference),
// with its 95 % interval.
struct MetricDelta {
  double value = 0.0;
  double low = 0.0;
  double high = 0.0;
  bool paired = false;    // false: a point estimate (low == high == value)
  std::size_t units = 0;  // utterances resampled (0 for a point estimate)
};

// With per-unit counts on both rows ("utterance_errors", "utterance_words", the same number of
// units, each row's counts reproducing its stored metric as a percentage or a fraction), the
// paired bootstrap of the difference over the units; otherwise the point estimate, paired = false.
// A row without the metric counts as 0 (the caller decides what that means).
MetricDelta metric_delta(const nlohmann::json& reference, const nlohmann::json& candidate,
                         const std::string& metric, const BootstrapOptions& options = {});

// {"value", "ci95": [low, high], "basis": "paired bootstrap" | "point estimate"}.
nlohmann::json delta_json(const MetricDelta& delta);

// Accuracy cost per energy saved: metric points lost per uJ (per energy unit) saved,
// delta / energy_saved, with the interval [low, high] / energy_saved. Lower is better; a step
// that loses nothing or gains accuracy has s <= 0. Only defined when energy_saved_uj > 0.
struct Sensitivity {
  double value = 0.0;
  double low = 0.0;
  double high = 0.0;
};
std::optional<Sensitivity> sensitivity_of(const MetricDelta& delta, double energy_saved_uj);
// {"value", "ci95": [low, high], "unit"}; null when undefined.
nlohmann::json sensitivity_json(const std::optional<Sensitivity>& s, const std::string& unit);
// Reads sensitivity_json back; nullopt for null or a malformed value.
std::optional<Sensitivity> sensitivity_from_json(const nlohmann::json& j);
// "<metric>_points_per_uj_per_<energy unit>", e.g. wer_points_per_uj_per_audio_second.
std::string sensitivity_unit(const std::string& metric, const std::string& energy_unit);

// The paper's power-to-accuracy ratio, energy saved per metric point lost: energy_saved / delta,
// with the interval [energy_saved / high, energy_saved / low]. A bound where the delta's interval
// reaches 0 or below is unbounded and written null (+infinity), as is the value of a lossless step.
nlohmann::json power_to_accuracy_json(const MetricDelta& delta, double energy_saved_uj);

// True when a's interval lies wholly below b's (a.high < b.low): a ranks before b beyond doubt.
bool ranked_apart(const Sensitivity& a, const Sensitivity& b);

}  // namespace erg::sweep
