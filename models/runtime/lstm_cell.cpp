#include "models/runtime/lstm_cell.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "models/runtime/elementwise.hpp"
#include "models/runtime/linear.hpp"

namespace erg::models::runtime {

void lstm_cell(const Weight& w_ih, const Weight& w_hh, In x, Out h, Out c, Out gates, Out scratch,
               const Probe& probe) {
  const std::size_t hidden = h.data.size();
  if (w_ih.rows != 4 * hidden || w_hh.rows != 4 * hidden || w_hh.cols != hidden ||
      c.data.size() != hidden || gates.data.size() != 4 * hidden ||
      scratch.data.size() != 4 * hidden) {
    throw Error("LSTM shapes disagree: hidden " + std::to_string(hidden) + ", w_ih rows " +
                    std::to_string(w_ih.rows) + ", w_hh " + std::to_string(w_hh.rows) + "x" +
                    std::to_string(w_hh.cols),
                w_ih.name.empty() ? std::string("lstm_cell") : w_ih.name);
  }
  matvec(w_ih, x, gates, probe);
  matvec(w_hh, In(h), scratch, probe);
  float* g = gates.data.data();
  const float* s = scratch.data.data();
  for (std::size_t k = 0; k < hidden; ++k) {
    const float ig = sigmoid(g[k] + s[k]);
    const float fg = sigmoid(g[hidden + k] + s[hidden + k]);
    const float gg = std::tanh(g[2 * hidden + k] + s[2 * hidden + k]);
    const float og = sigmoid(g[3 * hidden + k] + s[3 * hidden + k]);
    const float cn = fg * c.data[k] + ig * gg;
    c.data[k] = cn;
    h.data[k] = og * std::tanh(cn);
  }
  if (probe.sink) {
    probe.read(gates.address, gates.bytes(), gates.tensor);
    probe.read(scratch.address, scratch.bytes(), scratch.tensor);
    probe.read(c.address, c.bytes(), c.tensor);
    probe.write(c.address, c.bytes(), c.tensor);
    probe.write(h.address, h.bytes(), h.tensor);
    probe.compute(8 * hidden, Precision::kFp32);
  }
}

}  // namespace erg::models::runtime
