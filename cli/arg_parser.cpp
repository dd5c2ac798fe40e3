#include "cli/arg_parser.hpp"

#include <charconv>
#include <sstream>

#include "core/error.hpp"

namespace erg::cli {

std::optional<std::string> ParsedArgs::get(const std::string& name) const {
  if (auto it = options.find(name); it != options.end()) return it->second;
  return std::nullopt;
}

std::string ParsedArgs::get_or(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

double ParsedArgs::get_double(const std::string& name, double fallback) const {
  auto text = get(name);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    const double value = std::stod(*text, &used);
    if (used == text->size()) return value;
  } catch (const std::exception&) {
  }
  throw UsageError("invalid value '" + *text + "' for --" + name + " (expected a number)");
}

long ParsedArgs::get_long(const std::string& name, long fallback) const {
  auto text = get(name);
  if (!text) return fallback;
  long value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    throw UsageError("invalid value '" + *text + "' for --" + name + " (expected an integer)");
  }
  return value;
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
