#pragma once

#include <cstddef>
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
  // Numbers are checked where they are parsed: bad text, NaN, an infinity or a value outside
  // [min, max] throws UsageError naming the option, the value and the bound (exit status 2).
  // `fallback` (the option's default) is returned unchecked when the option is absent.
  long get_int(const std::string& name, long fallback, long min, long max) const;
  double get_double(const std::string& name, double fallback, double min, double max) const;
  // As get_double, but the value must be above `min`: a duration, a positive rate.
  double get_double_above(const std::string& name, double fallback, double min, double max) const;
  // A worker-thread count, by the rule every --threads option follows: 1..max_threads().
  std::size_t get_threads(const std::string& name, std::size_t fallback) const;
  // Unbounded forms (prefer the ones above): bad text or a non-finite number is a UsageError.
  double get_double(const std::string& name, double fallback) const;
  long get_long(const std::string& name, long fallback) const;
};

// Threads used when no --threads is given: the hardware threads (at least 1).
std::size_t hardware_threads();
// The most threads a --threads option accepts: 4 x hardware_threads(), or $ERG_MAX_THREADS when
// set (a positive integer). More only oversubscribes the cores, and a typo such as 100000 would
// start that many threads (or model copies).
std::size_t max_threads();
// Checks a thread count from any source: 1..max_threads(), else UsageError naming `what`.
std::size_t check_threads(long count, const std::string& what);

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
