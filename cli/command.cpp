#include "cli/command.hpp"

#include <algorithm>

namespace erg::cli {
namespace {

std::vector<Command>& mutable_commands() {
  static std::vector<Command> registry;
  return registry;
}

}  // namespace

const std::vector<Command>& commands() {
  return mutable_commands();
}

CommandRegistrar::CommandRegistrar(Command command) {
  auto& registry = mutable_commands();
  registry.push_back(command);
  std::sort(registry.begin(), registry.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
}

}  // namespace erg::cli
