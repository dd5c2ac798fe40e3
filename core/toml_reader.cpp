#include "core/toml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace erg {
namespace {

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

toml::table TomlReader::parse_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error("cannot read file (it does not exist or is not a regular file)", path.string());
  }
  try {
    return toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw Error("invalid TOML: " + std::string(e.description()),
                path.string() + ":" + std::to_string(e.source().begin.line) + ":" +
                    std::to_string(e.source().begin.column));
  }
}

toml::table TomlReader::parse_text(std::string_view text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw Error("invalid TOML: " + std::string(e.description()),
                origin + ":" + std::to_string(e.source().begin.line) + ":" +
                    std::to_string(e.source().begin.column));
  }
}

std::string TomlReader::join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::string TomlReader::type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

void TomlReader::fail(const std::string& key, const std::string& message,
                      const toml::node* at) const {
  std::string where = origin_;
  if (at != nullptr && at->source().begin.line > 0) {
    where += ":" + std::to_string(at->source().begin.line) + ":" +
             std::to_string(at->source().begin.column);
  }
  throw Error("key '" + key + "' " + message, where);
}

const toml::node* TomlReader::find(const toml::table& t, const std::string& prefix,
                                   const std::string& key, bool required,
                                   const char* expected) const {
  const toml::node* node = t.get(key);
  if (node == nullptr && required) {
    fail(join(prefix, key), std::string("is missing (expected ") + expected + ")", &t);
  }
  return node;
}

const toml::table* TomlReader::table(const toml::table& parent, const std::string& prefix,
                                     const std::string& key, bool required) const {
  const toml::node* node = find(parent, prefix, key, required, "a table");
  if (node == nullptr) return nullptr;
  if (!node->is_table()) fail(join(prefix, key), "must be a table, got " + type_name(*node), node);
  return node->as_table();
}

std::string TomlReader::string(const toml::table& t, const std::string& prefix,
                               const std::string& key, std::optional<std::string> fallback) const {
  const toml::node* node = find(t, prefix, key, !fallback, "a string");
  if (node == nullptr) return *fallback;
  if (!node->is_string())
    fail(join(prefix, key), "must be a string, got " + type_name(*node), node);
  return node->as_string()->get();
}

double TomlReader::number(const toml::table& t, const std::string& prefix, const std::string& key,
                          std::optional<double> fallback, double min, double max) const {
  const toml::node* node = find(t, prefix, key, !fallback, "a number");
  if (node == nullptr) return *fallback;
  double value = 0.0;
  if (node->is_floating_point()) {
    value = node->as_floating_point()->get();
  } else if (node->is_integer()) {
    value = static_cast<double>(node->as_integer()->get());
  } else {
    fail(join(prefix, key), "must be a number, got " + type_name(*node), node);
  }
  if (!std::isfinite(value) || value < min || value > max) {
    fail(join(prefix, key),
         "is " + format_number(value) + ", outside [" + format_number(min) + ", " +
             format_number(max) + "]",
         node);
  }
  return value;
}

std::int64_t TomlReader::integer(const toml::table& t, const std::string& prefix,
                                 const std::string& key, std::optional<std::int64_t> fallback,
                                 std::int64_t min, std::int64_t max) const {
  const toml::node* node = find(t, prefix, key, !fallback, "an integer");
  if (node == nullptr) return *fallback;
  if (!node->is_integer()) {
    fail(join(prefix, key), "must be an integer, got " + type_name(*node), node);
  }
  const std::int64_t value = node->as_integer()->get();
  if (value < min || value > max) {
    fail(join(prefix, key),
         "is " + std::to_string(value) + ", outside [" + std::to_string(min) + ", " +
             std::to_string(max) + "]",
         node);
  }
  return value;
}

bool TomlReader::boolean(const toml::table& t, const std::string& prefix, const std::string& key,
                         std::optional<bool> fallback) const {
  const toml::node* node = find(t, prefix, key, !fallback, "a boolean");
  if (node == nullptr) return *fallback;
  if (!node->is_boolean()) {
    fail(join(prefix, key), "must be a boolean, got " + type_name(*node), node);
  }
  return node->as_boolean()->get();
}

std::vector<double> TomlReader::numbers(const toml::table& t, const std::string& prefix,
                                        const std::string& key,
                                        std::optional<std::vector<double>> fallback) const {
  const toml::node* node = find(t, prefix, key, !fallback, "an array of numbers");
  if (node == nullptr) return *fallback;
  if (node->is_number()) return {number(t, prefix, key)};
  if (!node->is_array()) {
    fail(join(prefix, key), "must be an array of numbers, got " + type_name(*node), node);
  }
  std::vector<double> out;
  for (const auto& item : *node->as_array()) {
    if (item.is_floating_point()) {
      out.push_back(item.as_floating_point()->get());
    } else if (item.is_integer()) {
      out.push_back(static_cast<double>(item.as_integer()->get()));
    } else {
      fail(join(prefix, key), "must hold only numbers, got " + type_name(item), &item);
    }
  }
  return out;
}

std::vector<std::string> TomlReader::strings(
    const toml::table& t, const std::string& prefix, const std::string& key,
    std::optional<std::vector<std::string>> fallback) const {
  const toml::node* node = find(t, prefix, key, !fallback, "an array of strings");
  if (node == nullptr) return *fallback;
  if (node->is_string()) return {node->as_string()->get()};
  if (!node->is_array()) {
    fail(join(prefix, key), "must be an array of strings, got " + type_name(*node), node);
  }
  std::vector<std::string> out;
  for (const auto& item : *node->as_array()) {
    if (!item.is_string()) {
      fail(join(prefix, key), "must hold only strings, got " + type_name(item), &item);
    }
    out.push_back(item.as_string()->get());
  }
  return out;
}

void TomlReader::reject_unknown(const toml::table& t, const std::string& prefix,
                                std::initializer_list<std::string_view> known) const {
  for (const auto& [key, node] : t) {
    const std::string_view name = key.str();
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string list;
    for (const auto k : known)
      list += (list.empty() ? "" : ", ") + std::string(k);
    fail(join(prefix, std::string(name)), "is not a known key (expected one of: " + list + ")",
         &node);
  }
}

}  // namespace erg
