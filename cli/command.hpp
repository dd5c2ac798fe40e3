#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace erg::cli {

// One `erg` subcommand. Each lives in its own cmd_<name>.cpp and registers itself with a static
// CommandRegistrar, so adding a subcommand never edits main.cpp.
struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(std::span<const std::string> args);
};

const std::vector<Command>& commands();

struct CommandRegistrar {
  explicit CommandRegistrar(Command command);
};

}  // namespace erg::cli
