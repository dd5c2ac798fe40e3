#include "bindings/json_cast.hpp"

#include "core/error.hpp"

namespace py = pybind11;

namespace erg::bindings {

py::object to_python(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(value.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(value.get<long long>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(value.get<unsigned long long>());
    case nlohmann::json::value_t::number_float:
      return py::float_(value.get<double>());
    case nlohmann::json::value_t::string: {
      // Byte-level LLM text may end inside a UTF-8 sequence; replace invalid bytes (U+FFFD) as
      // the CLI's JSON does instead of raising UnicodeDecodeError (token ids stay exact).
      const auto& s = value.get_ref<const std::string&>();
      PyObject* text = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
      if (text == nullptr) throw py::error_already_set();
      return py::reinterpret_steal<py::str>(text);
    }
    case nlohmann::json::value_t::array: {
      py::list list;
      for (const auto& item : value)
        list.append(to_python(item));
      return list;
    }
    case nlohmann::json::value_t::object: {
      py::dict dict;
      for (const auto& [key, item] : value.items())
        dict[py::str(key)] = to_python(item);
      return dict;
    }
    default:
      return py::none();
  }
}

nlohmann::json from_python(py::handle value, const std::string& where) {
  if (value.is_none()) return nullptr;
  // bool before int: Python's bool is an int subclass.
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>();
  if (py::isinstance<py::int_>(value)) {
    const auto v = value.cast<py::int_>();
    if (py::bool_(v < py::int_(0))) return v.cast<long long>();
    return v.cast<unsigned long long>();
  }
  if (py::isinstance<py::float_>(value)) return value.cast<double>();
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  if (py::isinstance<py::dict>(value)) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.cast<py::dict>()) {
      if (!py::isinstance<py::str>(key))
        throw Error("dictionary keys must be strings, got " +
                        std::string(py::str(py::type::of(key).attr("__name__"))),
                    where);
      const auto name = key.cast<std::string>();
      out[name] = from_python(item, where + "." + name);
    }
    return out;
  }
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    nlohmann::json out = nlohmann::json::array();
    std::size_t i = 0;
    for (const auto& item : value)
      out.push_back(from_python(item, where + "[" + std::to_string(i++) + "]"));
    return out;
  }
  // numpy scalars and 0-d arrays expose item(); arrays expose tolist().
  if (py::hasattr(value, "tolist") && py::hasattr(value, "dtype"))
    return from_python(value.attr("tolist")(), where);
  throw Error("expected a dict, list, str, number, bool or None, got " +
                  std::string(py::str(py::type::of(value).attr("__name__"))),
              where);
}

}  // namespace erg::bindings
