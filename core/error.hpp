#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace erg {

// An error at an API boundary: what went wrong, and where (a file, a line, a field).
// what() reads "<context>: <what>: <where>", the form the CLI prints after "erg: error: ".
class Error : public std::runtime_error {
 public:
  explicit Error(std::string what, std::string where = {});

  const std::string& what_text() const { return what_; }
  const std::string& where() const { return where_; }
  const std::string& context() const { return context_; }

  // Prepends a description of the enclosing operation, e.g. "loading preset 'x'".
  [[nodiscard]] Error with_context(std::string_view context) const;

 private:
  Error(std::string what, std::string where, std::string context);
  static std::string compose(const std::string& what, const std::string& where,
                             const std::string& context);

  std::string what_;
  std::string where_;
  std::string context_;
};

// Bad command-line usage: the CLI exits with status 2 instead of 1.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A capability this machine does not offer (no RAPL, no hardware counters). The message says why.
class UnavailableError : public Error {
 public:
  using Error::Error;
};

}  // namespace erg
