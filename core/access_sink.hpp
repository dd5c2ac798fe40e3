#pragma once

#include <vector>

#include "core/access_event.hpp"

namespace erg {

// Receives the memory traffic and arithmetic of engine kernels. Kernels hold an optional
// AccessSink*; when it is null they skip event construction entirely, so an unobserved run pays
// nothing. Events are per contiguous tensor access, never per byte or per cache line.
class AccessSink {
 public:
  virtual ~AccessSink() = default;

  // Declares a tensor's address range once, at load time, before any access to it.
  virtual void on_tensor(const TensorInfo& tensor) { (void)tensor; }
  virtual void on_invocation(ComponentId component) = 0;
  // The invocation last begun for `component` has returned. Engines pair every on_invocation
  // with one (nested invocations end innermost first); sinks that count or route traffic ignore it.
  virtual void on_invocation_end(ComponentId component) { (void)component; }
  virtual void on_access(const AccessEvent& event) = 0;
  virtual void on_compute(const ComputeEvent& event) = 0;
};

// Forwards every event to several sinks, e.g. a simulator and a trace writer in one run.
class TeeSink final : public AccessSink {
 public:
  explicit TeeSink(std::vector<AccessSink*> sinks) : sinks_(std::move(sinks)) {}

  void on_tensor(const TensorInfo& tensor) override {
    for (auto* s : sinks_)
      s->on_tensor(tensor);
  }
  void on_invocation(ComponentId component) override {
    for (auto* s : sinks_)
      s->on_invocation(component);
  }
  void on_invocation_end(ComponentId component) override {
    for (auto* s : sinks_)
      s->on_invocation_end(component);
  }
  void on_access(const AccessEvent& event) override {
    for (auto* s : sinks_)
      s->on_access(event);
  }
  void on_compute(const ComputeEvent& event) override {
    for (auto* s : sinks_)
      s->on_compute(event);
  }

 private:
  std::vector<AccessSink*> sinks_;
};

}  // namespace erg
