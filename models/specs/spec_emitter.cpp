#include "models/specs/spec_emitter.hpp"

#include <algorithm>

#include "models/specs/weight_footprint.hpp"

namespace erg::models::specs {

SpecEmitter::SpecEmitter(AccessSink& sink, runtime::Variant variant)
    : sink_(sink), variant_(std::move(variant)) {}

SpecTensor SpecEmitter::weight(const std::string& component, const std::string& name,
                               std::uint64_t rows, std::uint64_t cols, bool has_bias) {
  const auto transform = variant_.for_component(component);
  SpecTensor t;
  t.id = next_id_++;
  t.component = ComponentRegistry::global().intern(component);
  t.bytes = weight_footprint_bytes(rows, cols, has_bias, transform);
  t.nonzeros = weight_nonzeros(rows, cols, transform);
  t.rows = rows;
  t.precision = transform.precision;
  t.address = space_.allocate(t.bytes);
  sink_.on_tensor({t.id, component + "." + name, t.component, t.address, t.bytes, transform.pin});
  return t;
}

SpecTensor SpecEmitter::buffer(const std::string& component, const std::string& name,
                               std::uint64_t bytes) {
  SpecTensor t;
  t.id = next_id_++;
  t.component = ComponentRegistry::global().intern(component);
  t.bytes = bytes;
  t.address = space_.allocate(bytes);
  sink_.on_tensor({t.id, component + "." + name, t.component, t.address, t.bytes,
                   variant_.for_component(component).pin});
  return t;
}

void SpecEmitter::invoke(ComponentId component, std::uint64_t times) {
  // Modeled invocations take no time here: each ends as soon as it begins.
  for (std::uint64_t i = 0; i < times; ++i) {
    sink_.on_invocation(component);
    sink_.on_invocation_end(component);
  }
}

void SpecEmitter::read(const SpecTensor& t, std::uint64_t bytes) {
  sink_.on_access({t.address, bytes == 0 ? t.bytes : std::min(bytes, t.bytes), AccessOp::kRead,
                   t.component, t.id});
}

void SpecEmitter::write(const SpecTensor& t, std::uint64_t bytes) {
  sink_.on_access({t.address, bytes == 0 ? t.bytes : std::min(bytes, t.bytes), AccessOp::kWrite,
                   t.component, t.id});
}

void SpecEmitter::compute(ComponentId component, std::uint64_t macs, Precision precision) {
  if (macs > 0) sink_.on_compute({macs, precision, component});
}

void SpecEmitter::apply(const SpecTensor& w, std::uint64_t vectors) {
  read(w);
  compute(w.component, w.nonzeros * vectors, w.precision);
}

void SpecEmitter::lookup(const SpecTensor& table, std::uint64_t tokens) {
  const std::uint64_t row_bytes = table.rows == 0 ? table.bytes : table.bytes / table.rows;
  for (std::uint64_t i = 0; i < tokens; ++i)
    read(table, row_bytes);
}

}  // namespace erg::models::specs
