#pragma once

#include <memory>
#include <string>

#include "profiler/energy_source.hpp"
#include "profiler/measurement_window.hpp"

namespace erg::profiler {

// An EnergyMonitor on the source `options` asks for, with perf counters on the calling thread
// when `counters_reason` is not null (it receives why they are missing, if they are). Without an
// energy source the monitor's windows say why; a source the caller named (`explicit_source`) that
// exists but cannot be read throws its fix instead (erg::Error), since that fix is the answer.
std::unique_ptr<EnergyMonitor> open_monitor(const EnergySourceOptions& options,
                                            bool explicit_source,
                                            std::string* counters_reason = nullptr);

// Throws UnavailableError "energy unavailable: <why>" when `monitor` has no energy source: for
// callers that need a measured number and must not invent one.
void require_energy(const EnergyMonitor& monitor);

}  // namespace erg::profiler
