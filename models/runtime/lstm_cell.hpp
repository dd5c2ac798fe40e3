#pragma once

#include "models/runtime/probe.hpp"
#include "models/runtime/weight.hpp"

namespace erg::models::runtime {

// One PyTorch LSTM step (gate order i, f, g, o):
//   gates = W_ih x + b_ih + W_hh h + b_hh
//   c' = sigmoid(f) * c + sigmoid(i) * tanh(g);  h' = sigmoid(o) * tanh(c')
// w_ih: [4H, I], w_hh: [4H, H] (biases inside the weights). h and c ([H]) are updated in place;
// gates and scratch are [4H] work buffers.
void lstm_cell(const Weight& w_ih, const Weight& w_hh, In x, Out h, Out c, Out gates, Out scratch,
               const Probe& probe = {});

}  // namespace erg::models::runtime
