#include "sweep/metric_delta.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "sweep/experiment.hpp"

namespace erg::sweep {
namespace {

using nlohmann::json;

struct UnitCounts {
  std::vector<double> errors, words;
  double scale = 1.0;  // metric = scale * sum(errors) / sum(words)
};

bool close(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

// The row's per-unit counts, when it has them and they reproduce its stored metric.
std::optional<UnitCounts> unit_counts(const json& row, const std::string& metric) {
  const auto& m = row.at("metrics");
  const auto it_e = m.find("utterance_errors");
  const auto it_w = m.find("utterance_words");
  if (it_e == m.end() || it_w == m.end() || !it_e->is_array() || !it_w->is_array() ||
      it_e->size() != it_w->size() || it_e->empty()) {
    return std::nullopt;
  }
  const auto stored = accuracy_of(row, metric);
  if (!stored) return std::nullopt;
  UnitCounts c;
  double e_sum = 0.0, w_sum = 0.0;
  for (std::size_t i = 0; i < it_e->size(); ++i) {
    if (!(*it_e)[i].is_number() || !(*it_w)[i].is_number()) return std::nullopt;
    c.errors.push_back((*it_e)[i].get<double>());
    c.words.push_back((*it_w)[i].get<double>());
    e_sum += c.errors.back();
    w_sum += c.words.back();
  }
  if (w_sum <= 0.0) return std::nullopt;
  const double ratio = e_sum / w_sum;
  if (close(100.0 * ratio, *stored)) {
    c.scale = 100.0;
  } else if (!close(ratio, *stored)) {
    return std::nullopt;  // the counts are not what the metric was computed from
  }
  return c;
}

json bound(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}

}  // namespace

MetricDelta metric_delta(const json& reference, const json& candidate, const std::string& metric,
                         const BootstrapOptions& options) {
  MetricDelta d;
  d.value =
      accuracy_of(candidate, metric).value_or(0.0) - accuracy_of(reference, metric).value_or(0.0);
  d.low = d.high = d.value;
  const auto a = unit_counts(reference, metric);
  const auto b = unit_counts(candidate, metric);
  if (!a || !b || a->errors.size() != b->errors.size() || a->scale != b->scale ||
      a->words != b->words) {
    return d;  // not the same units: no pairing possible
  }
  const auto i = paired_bootstrap_difference(a->errors, b->errors, a->words, options);
  if (i.resamples == 0) return d;
  d.value = a->scale * i.value;
  d.low = a->scale * i.low;
  d.high = a->scale * i.high;
  d.paired = true;
  d.units = i.samples;
  return d;
}

json delta_json(const MetricDelta& delta) {
  return {{"value", delta.value},
          {"ci95", {delta.low, delta.high}},
          {"basis", delta.paired ? "paired bootstrap" : "point estimate"}};
}

std::optional<Sensitivity> sensitivity_of(const MetricDelta& delta, double energy_saved_uj) {
  if (!(energy_saved_uj > 0.0)) return std::nullopt;
  return Sensitivity{delta.value / energy_saved_uj, delta.low / energy_saved_uj,
                     delta.high / energy_saved_uj};
}

json sensitivity_json(const std::optional<Sensitivity>& s, const std::string& unit) {
  if (!s) return nullptr;
  return {{"value", s->value}, {"ci95", {s->low, s->high}}, {"unit", unit}};
}

std::optional<Sensitivity> sensitivity_from_json(const json& j) {
  if (!j.is_object() || !j.contains("value") || !j["value"].is_number() || !j.contains("ci95") ||
      !j["ci95"].is_array() || j["ci95"].size() != 2 || !j["ci95"][0].is_number() ||
      !j["ci95"][1].is_number()) {
    return std::nullopt;
  }
  return Sensitivity{j["value"].get<double>(), j["ci95"][0].get<double>(),
                     j["ci95"][1].get<double>()};
}

std::string sensitivity_unit(const std::string& metric, const std::string& energy_unit) {
  return metric + "_points_per_uj_per_" + energy_unit;
}

json power_to_accuracy_json(const MetricDelta& delta, double energy_saved_uj) {
  auto ratio = [&](double d) {
    return d > 0.0 ? energy_saved_uj / d : std::numeric_limits<double>::infinity();
  };
  return {{"value", bound(ratio(delta.value))},
          {"ci95", {bound(ratio(delta.high)), bound(ratio(delta.low))}},
          {"unit", "uj_saved_per_point"}};
}

bool ranked_apart(const Sensitivity& a, const Sensitivity& b) {
  return a.high < b.low;
}

}  // namespace erg::sweep
