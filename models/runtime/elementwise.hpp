#pragma once

#include <cstddef>

#include "models/runtime/probe.hpp"

// Normalizations, softmax and activations over fp32 vectors. Each call reports one read per
// input tensor, one write of the output and its arithmetic (as MACs, fp32) when probed. Output
// may alias input.
namespace erg::models::runtime {

enum class Activation : std::uint8_t { kTanh, kRelu, kSilu, kSigmoid };

// y = x / sqrt(mean(x^2) + eps) * gain, per row of gain.size() values.
void rms_norm(In x, In gain, float eps, Out y, const Probe& probe = {});
// y = (x - mean) / sqrt(var + eps) * gain + bias (biased variance, as PyTorch), per row.
void layer_norm(In x, In gain, In bias, float eps, Out y, const Probe& probe = {});
// Numerically stable softmax over the whole span.
void softmax(In x, Out y, const Probe& probe = {});
void activate(Activation kind, In x, Out y, const Probe& probe = {});
// y = a + b and y = a * b, elementwise.
void add(In a, In b, Out y, const Probe& probe = {});
void multiply(In a, In b, Out y, const Probe& probe = {});

float sigmoid(float x);

}  // namespace erg::models::runtime
