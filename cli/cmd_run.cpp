#include <iostream>
#include <span>
#include <string>
#include <string_view>

#include "cli/command.hpp"
#include "core/error.hpp"

namespace erg::cli {

// One function per engine, each in cli/run_<engine>.cpp.
int run_llm(std::span<const std::string> args);
int run_asr(std::span<const std::string> args);

namespace {

struct Engine {
  std::string_view name;
  std::string_view summary;
  int (*run)(std::span<const std::string> args);
};

constexpr Engine kEngines[] = {
    {"llm", "early-exit / self-speculative LLM: generate text or measure perplexity", run_llm},
    {"asr", "streaming RNN-T speech recognition: transcribe audio or measure WER", run_asr},
};

std::string usage() {
  std::string out = "usage: erg run <engine> [options]\n\nengines:\n";
  for (const auto& e : kEngines)
    out += "  " + std::string(e.name) + "  " + std::string(e.summary) + "\n";
  return out + "\nRun 'erg run <engine> --help' for an engine's options.\n";
}

int run_run(std::span<const std::string> args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << usage();
    return 0;
  }
  if (args.empty()) throw UsageError("missing engine", "usage: erg run <engine> [options]");
  for (const auto& e : kEngines)
    if (args[0] == e.name) return e.run(args.subspan(1));
  std::string names;
  for (const auto& e : kEngines)
    names += (names.empty() ? "" : ", ") + std::string(e.name);
  throw UsageError("unknown engine '" + args[0] + "'", "expected one of: " + names);
}

const CommandRegistrar kRegistrar({"run", "run a model engine and print its output and statistics",
                                   run_run});

}  // namespace
}  // namespace erg::cli
