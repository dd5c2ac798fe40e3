#include "cli/arg_parser.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "core/error.hpp"

namespace erg::cli {

std::optional<std::string> ParsedArgs::get(const std::string& name) const {
  if (auto it = options.find(name); it != options.end()) return it->second;
  return std::nullopt;
}

std::string ParsedArgs::get_or(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

namespace {

// A bound as the message prints it: "64", "0.1", "1e+09".
std::string bound_text(double bound) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.10g", bound);
  return buf;
}

UsageError out_of_range(const std::string& name, const std::string& text, std::string bound) {
  return UsageError("--" + name + " " + text + " is too " + std::move(bound));
}

// An integer, or nullopt for text that is not one; `overflow` is set (and the value clamped) for
// digits beyond the range of long.
std::optional<long> parse_long(const std::string& text, bool& overflow) {
  long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  overflow = ec == std::errc::result_out_of_range;
  if (ptr != end || (ec != std::errc() && !overflow)) return std::nullopt;
  if (overflow) value = text.front() == '-' ? LONG_MIN : LONG_MAX;
  return value;
}

UsageError not_an_integer(const std::string& name, const std::string& text) {
  return UsageError("invalid value '" + text + "' for --" + name + " (expected an integer)");
}

// A finite number; UsageError for other text, NaN and infinities. Decimal only (no hex floats,
// no leading '+' or space). Digits too large for a double read as too large by the caller.
double parse_double(const std::string& name, const std::string& text, bool& overflow) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
  overflow = ec == std::errc::result_out_of_range && std::isinf(std::strtod(text.c_str(), nullptr));
  if (overflow) return text.front() == '-' ? -HUGE_VAL : HUGE_VAL;
  if (ptr != end || ec != std::errc() || !std::isfinite(value))
    throw UsageError("invalid value '" + text + "' for --" + name + " (expected a finite number)");
  return value;
}

UsageError threads_error(const std::string& what, const std::string& text) {
  const std::string reason = std::getenv("ERG_MAX_THREADS") != nullptr
                                 ? "the cap ERG_MAX_THREADS sets"
                                 : "4 x " + std::to_string(hardware_threads()) +
                                       " hardware threads; ERG_MAX_THREADS changes the cap";
  return UsageError(what + " must be a positive integer at most " + std::to_string(max_threads()) +
                    " (" + reason + "), got " + text);
}

}  // namespace

double ParsedArgs::get_double(const std::string& name, double fallback) const {
  return get_double(name, fallback, -HUGE_VAL, HUGE_VAL);
}

double ParsedArgs::get_double(const std::string& name, double fallback, double min,
                              double max) const {
  auto text = get(name);
  if (!text) return fallback;
  bool overflow = false;
  const double value = parse_double(name, *text, overflow);
  if (value > max || (overflow && value > 0))
    throw out_of_range(name, *text, "large (at most " + bound_text(max) + ")");
  if (value < min || (overflow && value < 0))
    throw out_of_range(name, *text, "small (at least " + bound_text(min) + ")");
  return value;
}

double ParsedArgs::get_double_above(const std::string& name, double fallback, double min,
                                    double max) const {
  const double value = get_double(name, fallback, min, max);
  if (has(name) && !(value > min))
    throw out_of_range(name, *get(name), "small (must be above " + bound_text(min) + ")");
  return value;
}

long ParsedArgs::get_long(const std::string& name, long fallback) const {
  return get_int(name, fallback, LONG_MIN, LONG_MAX);
}

long ParsedArgs::get_int(const std::string& name, long fallback, long min, long max) const {
  auto text = get(name);
  if (!text) return fallback;
  bool overflow = false;
  const auto value = parse_long(*text, overflow);
  if (!value) throw not_an_integer(name, *text);
  if (*value > max || (overflow && *value > 0))
    throw out_of_range(name, *text, "large (at most " + std::to_string(max) + ")");
  if (*value < min || (overflow && *value < 0))
    throw out_of_range(name, *text, "small (at least " + std::to_string(min) + ")");
  return *value;
}

std::size_t ParsedArgs::get_threads(const std::string& name, std::size_t fallback) const {
  auto text = get(name);
  if (!text) return fallback;
  bool overflow = false;
  const auto value = parse_long(*text, overflow);
  if (!value) throw not_an_integer(name, *text);
  if (overflow) throw threads_error("--" + name, *text);
  return check_threads(*value, "--" + name);
}

std::size_t hardware_threads() {
  return std::max(1u, std::thread::hardware_concurrency());
}

std::size_t max_threads() {
  const char* env = std::getenv("ERG_MAX_THREADS");
  if (env == nullptr) return 4 * hardware_threads();
  bool overflow = false;
  const auto value = parse_long(env, overflow);
  if (!value || overflow || *value < 1)
    throw UsageError("ERG_MAX_THREADS='" + std::string(env) + "' is not a positive integer");
  return std::size_t(*value);
}

std::size_t check_threads(long count, const std::string& what) {
  if (count < 1 || std::size_t(count) > max_threads())
    throw threads_error(what, std::to_string(count));
  return std::size_t(count);
}

ArgParser::ArgParser(std::string usage, std::string description)
    : usage_(std::move(usage)), description_(std::move(description)) {}

ArgParser& ArgParser::flag(std::string name, std::string help) {
  specs_.push_back({std::move(name), {}, std::move(help)});
  return *this;
}

ArgParser& ArgParser::option(std::string name, std::string value_name, std::string help) {
  specs_.push_back({std::move(name), std::move(value_name), std::move(help)});
  return *this;
}

ArgParser& ArgParser::positionals(std::string name, int min, int max, std::string help) {
  positional_name_ = std::move(name);
  positional_min_ = min;
  positional_max_ = max;
  positional_help_ = std::move(help);
  return *this;
}

ArgParser& ArgParser::passthrough(std::string help) {
  allows_passthrough_ = true;
  passthrough_help_ = std::move(help);
  return *this;
}

const ArgParser::Spec* ArgParser::find(const std::string& name) const {
  for (const auto& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

ParsedArgs ArgParser::parse(std::span<const std::string> args) const {
  ParsedArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      if (!allows_passthrough_) throw UsageError("unexpected '--'", "usage: " + usage_);
      out.passthrough.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      return out;
    }
    // "--name", "--name=value", or a one-letter "-x" for options declared with a one-letter name.
    const bool short_option =
        arg.size() == 2 && arg[0] == '-' && arg[1] != '-' && find(arg.substr(1)) != nullptr;
    if ((arg.size() > 2 && arg.starts_with("--")) || short_option) {
      std::string name = arg.substr(short_option ? 1 : 2);
      std::optional<std::string> inline_value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
      const Spec* spec = find(name);
      if (spec == nullptr) throw UsageError("unknown option '--" + name + "'", "usage: " + usage_);
      if (spec->value_name.empty()) {
        if (inline_value) throw UsageError("option '--" + name + "' takes no value");
        out.flags.insert(name);
      } else if (inline_value) {
        out.options[name] = *inline_value;
      } else if (i + 1 < args.size()) {
        out.options[name] = args[++i];
      } else {
        throw UsageError("option '--" + name + "' needs a value (" + spec->value_name + ")");
      }
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9')) {
      throw UsageError("unknown option '" + arg + "'", "usage: " + usage_);
    }
    out.positionals.push_back(arg);
  }
  const auto count = static_cast<int>(out.positionals.size());
  if (count < positional_min_) {
    throw UsageError("missing argument " + (positional_name_.empty() ? "" : positional_name_),
                     "usage: " + usage_);
  }
  if (positional_max_ >= 0 && count > positional_max_) {
    throw UsageError("unexpected argument '" + out.positionals[positional_max_] + "'",
                     "usage: " + usage_);
  }
  return out;
}

std::string ArgParser::help() const {
  std::ostringstream out;
  out << "usage: " << usage_ << "\n\n" << description_ << "\n";
  if (!positional_name_.empty()) {
    out << "\narguments:\n  " << positional_name_ << "\n      " << positional_help_ << "\n";
  }
  out << "\noptions:\n";
  for (const auto& s : specs_) {
    out << (s.name.size() == 1 ? "  -" : "  --") << s.name;
    if (!s.value_name.empty()) out << " " << s.value_name;
    out << "\n      " << s.help << "\n";
  }
  out << "  -h, --help\n      show this help and exit\n";
  if (allows_passthrough_) out << "  -- CMD [ARGS...]\n      " << passthrough_help_ << "\n";
  return out.str();
}

}  // namespace erg::cli
