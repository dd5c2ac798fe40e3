#pragma once

#include "core/access_sink.hpp"

namespace erg::models::runtime {

// Brackets one component invocation for a sink: on_invocation on entry, on_invocation_end on
// every exit (return or exception), so timing sinks see each invocation's extent. A null sink
// costs one test on entry and one on exit.
class InvocationScope {
 public:
  InvocationScope(AccessSink* sink, ComponentId component) : sink_(sink), component_(component) {
    if (sink_) sink_->on_invocation(component_);
  }
  ~InvocationScope() {
    if (sink_) sink_->on_invocation_end(component_);
  }
  InvocationScope(const InvocationScope&) = delete;
  InvocationScope& operator=(const InvocationScope&) = delete;

 private:
  AccessSink* sink_;
  ComponentId component_;
};

}  // namespace erg::models::runtime
