#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "core/version.hpp"

namespace {

void print_help(std::ostream& out) {
  out << "usage: erg [--version] [--help] <command> [args...]\n\n"
         "erg measures, simulates and reduces the energy of on-device ML inference.\n\n"
         "commands:\n";
  for (const auto& c : erg::cli::commands()) {
    out << "  " << c.name << std::string(12 - std::min<std::size_t>(11, c.name.size()), ' ')
        << c.summary << "\n";
  }
  out << "\nRun 'erg <command> --help' for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_help(std::cerr);
    return 2;
  }
  const std::string& name = args.front();
  if (name == "-h" || name == "--help" || name == "help") {
    print_help(std::cout);
    return 0;
  }
  if (name == "--version") {
    std::cout << "erg " << erg::kVersion << "\n";
    return 0;
  }
  for (const auto& command : erg::cli::commands()) {
    if (command.name != name) continue;
    try {
      return command.run(std::span<const std::string>(args).subspan(1));
    } catch (const erg::UsageError& e) {
      std::cerr << "erg: error: " << e.what() << "\n(run 'erg " << name << " --help')\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "erg: error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "erg: error: unknown command '" << name << "'\n(run 'erg --help' for the list)\n";
  return 2;
}
