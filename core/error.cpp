#include "core/error.hpp"

#include <utility>

namespace erg {

Error::Error(std::string what, std::string where)
    : Error(std::move(what), std::move(where), std::string{}) {}

Error::Error(std::string what, std::string where, std::string context)
    : std::runtime_error(compose(what, where, context)),
      what_(std::move(what)),
      where_(std::move(where)),
      context_(std::move(context)) {}

Error Error::with_context(std::string_view context) const {
  std::string joined(context);
  if (!context_.empty()) joined += ": " + context_;
  return Error(what_, where_, std::move(joined));
}

std::string Error::compose(const std::string& what, const std::string& where,
                           const std::string& context) {
  std::string out;
  if (!context.empty()) out = context + ": ";
  out += what;
  if (!where.empty()) out += ": " + where;
  return out;
}

}  // namespace erg
