#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace erg::cli {

struct ParsedArgs {
  std::map<std::string, std::string> options;  // --name VALUE or --name=VALUE (last one wins)
  std::set<std::string> flags;                 // --name
  std::vector<std::string> positionals;
  std::vector<std::string> passthrough;  // everything after "--"
  bool help = false;

  bool has(const std::string& name) const { return flags.count(name) || options.count(name); }
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  // Parses an option as a number; throws UsageError naming the option on bad text.
  double get_double(const std::string& name, double fallback) const;
  long get_long(const std::string& name, long fallback) const;
};

// A small, strict command-line parser: unknown flags and missing values are usage errors
// (exit status 2), and --help renders the usage text from the declared flags.
class ArgParser {
 public:
  ArgParser(std::string usage, std::string description);

  ArgParser& flag(std::string name, std::string help);
  ArgParser& option(std::string name, std::string value_name, std::string help);
  // Accepts between min and max positional arguments (max < 0: unbounded).
  ArgParser& positionals(std::string name, int min, int max, std::string help);
  // Accepts "-- cmd args..." and collects it into ParsedArgs::passthrough.
  ArgParser& passthrough(std::string help);

  ParsedArgs parse(std::span<const std::string> args) const;
  std::string help() const;

 private:
  struct Spec {
    std::string name;
    std::string value_name;  // empty for a flag
    std::string help;
  };
  const Spec* find(const std::string& name) const;

  std::string usage_;
  std::string description_;
  std::vector<Spec> specs_;
  std::string positional_name_;
  std::string positional_help_;
  int positional_min_ = 0;
  int positional_max_ = 0;
  std::string passthrough_help_;
  bool allows_passthrough_ = false;
};

}  // namespace erg::cli
