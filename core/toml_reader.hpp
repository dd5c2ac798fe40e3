#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace erg {

// Typed access to a parsed TOML document in which every error names the file, the line and
// column, the dotted key and the expected type: "key 'dram.e_act_pj' must be a number, got a
// string: presets/x.toml:12:10". Used for presets, shape specs and experiment specs.
class TomlReader {
 public:
  // Parses `path`; a syntax error becomes an erg::Error with the file, line and column.
  static toml::table parse_file(const std::filesystem::path& path);
  // Parses TOML text; `origin` names it in errors.
  static toml::table parse_text(std::string_view text, const std::string& origin);

  explicit TomlReader(std::string origin) : origin_(std::move(origin)) {}
  const std::string& origin() const { return origin_; }

  [[noreturn]] void fail(const std::string& key, const std::string& message,
                         const toml::node* at) const;

  // A sub-table; nullptr when absent and not required.
  const toml::table* table(const toml::table& parent, const std::string& prefix,
                           const std::string& key, bool required) const;
  std::string string(const toml::table& t, const std::string& prefix, const std::string& key,
                     std::optional<std::string> fallback = std::nullopt) const;
  // Integers are accepted where a number is expected. The value must lie in [min, max].
  double number(const toml::table& t, const std::string& prefix, const std::string& key,
                std::optional<double> fallback = std::nullopt, double min = -1e300,
                double max = 1e300) const;
  std::int64_t integer(const toml::table& t, const std::string& prefix, const std::string& key,
                       std::optional<std::int64_t> fallback = std::nullopt,
                       std::int64_t min = INT64_MIN, std::int64_t max = INT64_MAX) const;
  bool boolean(const toml::table& t, const std::string& prefix, const std::string& key,
               std::optional<bool> fallback = std::nullopt) const;
  // An array of numbers; a single number is accepted as a one-element array.
  std::vector<double> numbers(const toml::table& t, const std::string& prefix,
                              const std::string& key,
                              std::optional<std::vector<double>> fallback = std::nullopt) const;
  // An array of strings; a single string is accepted as a one-element array.
  std::vector<std::string> strings(
      const toml::table& t, const std::string& prefix, const std::string& key,
      std::optional<std::vector<std::string>> fallback = std::nullopt) const;
  // Unknown keys are errors, so a typo never silently falls back to a default.
  void reject_unknown(const toml::table& t, const std::string& prefix,
                      std::initializer_list<std::string_view> known) const;

  static std::string join(const std::string& prefix, const std::string& key);
  static std::string type_name(const toml::node& node);

 private:
  const toml::node* find(const toml::table& t, const std::string& prefix, const std::string& key,
                         bool required, const char* expected) const;

  std::string origin_;
};

}  // namespace erg
