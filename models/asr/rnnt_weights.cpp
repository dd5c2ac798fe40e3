#include "models/asr/rnnt_weights.hpp"

#include <utility>

namespace erg::models::asr {

runtime::Weight RnntWeights::matrix(const std::string& weight_name, const std::string& bias_name,
                                    std::string_view component, std::size_t rows,
                                    std::size_t cols) {
  const std::int64_t shape[] = {std::int64_t(rows), std::int64_t(cols)};
  const std::int64_t bias_shape[] = {std::int64_t(rows)};
  auto values = file_.read_f32(weight_name, shape);
  auto bias = file_.read_f32(bias_name, bias_shape);
  const auto t = variant_.for_component(component);
  auto w = runtime::apply_transform(
      t, runtime::dense_weight(rows, cols, std::move(values), std::move(bias)));
  store_.place(w, weight_name, component, t.pin);
  weight_bytes_ += w.stored_bytes();
  return w;
}

runtime::Weight RnntWeights::linear(const std::string& prefix, std::string_view component,
                                    std::size_t rows, std::size_t cols) {
  return matrix(prefix + "weight", prefix + "bias", component, rows, cols);
}

runtime::Buffer RnntWeights::tensor(const std::string& name, std::string_view component,
                                    std::vector<std::int64_t> shape) {
  runtime::Buffer b;
  b.data = file_.read_f32(name, shape);
  store_.place(b, name, component, variant_.for_component(component).pin);
  weight_bytes_ += 4 * b.data.size();
  return b;
}

runtime::Buffer RnntWeights::scratch(const std::string& name, std::string_view component,
                                     std::size_t count) {
  runtime::Buffer b;
  b.data.assign(count, 0.0f);
  store_.place(b, name, component, variant_.for_component(component).pin);
  return b;
}

}  // namespace erg::models::asr
