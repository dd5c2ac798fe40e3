#include <iostream>

#include "cli/arg_parser.hpp"
#include "cli/command.hpp"
#include "cli/json_output.hpp"
#include "profiler/machine_probe.hpp"

namespace erg::cli {
namespace {

int run_info(std::span<const std::string> args) {
  ArgParser parser("erg info [--json] [--sys DIR] [--proc DIR]",
                   "Probes this machine: CPU and caches, RAPL energy interfaces (powercap zones "
                   "and the perf power PMU), perf_event_paranoid and which perf events count. "
                   "Everything missing comes with the reason.");
  parser.flag("json", "print JSON instead of text")
      .option("sys", "DIR", "sysfs root to probe (default /sys)")
      .option("proc", "DIR", "procfs root to probe (default /proc)");
  const auto parsed = parser.parse(args);
  if (parsed.help) {
    std::cout << parser.help();
    return 0;
  }
  profiler::ProbeRoots roots;
  roots.sys = parsed.get_or("sys", "/sys");
  roots.proc = parsed.get_or("proc", "/proc");
  const auto info = profiler::probe_machine(roots);
  if (parsed.has("json")) {
    auto json = profiler::to_json(info);
    std::cout << with_envelope("info", std::move(json)).dump(2) << "\n";
  } else {
    std::cout << profiler::to_text(info);
  }
  return 0;
}

const CommandRegistrar kRegistrar({"info", "probe this machine's energy and counter support",
                                   run_info});

}  // namespace
}  // namespace erg::cli
