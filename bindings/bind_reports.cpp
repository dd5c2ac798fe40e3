#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bindings/json_cast.hpp"
#include "bindings/modules.hpp"
#include "reports/report.hpp"
#include "reports/report_inputs.hpp"

namespace py = pybind11;

namespace erg::bindings {

void bind_reports(py::module_& m) {
  m.def(
      "report",
      [](const py::object& inputs, const py::object& output_dir, const std::string& formats) {
        const auto os = py::module_::import("os");
        std::vector<std::filesystem::path> dirs;
        if (py::isinstance<py::str>(inputs) || py::hasattr(inputs, "__fspath__")) {
          dirs.emplace_back(os.attr("fspath")(inputs).cast<std::string>());
        } else {
          for (const auto& d : inputs)
            dirs.emplace_back(os.attr("fspath")(d).cast<std::string>());
        }
        const std::filesystem::path out = os.attr("fspath")(output_dir).cast<std::string>();
        reports::ReportOptions options;
        options.formats = reports::parse_formats(formats);
        nlohmann::json result;
        {
          py::gil_scoped_release release;
          const auto outcome =
              reports::write_report(reports::load_report_inputs(dirs), out, options);
          nlohmann::json files = nlohmann::json::array();
          for (const auto& f : outcome.files)
            files.push_back(f.string());
          nlohmann::json figures = nlohmann::json::array();
          for (const auto& f : outcome.figures)
            figures.push_back(
                {{"name", f.name},
                 {"title", f.title},
                 {"png", f.png.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.png.string())},
                 {"svg", f.svg.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.svg.string())},
                 {"missing_reason", f.missing_reason}});
          result = {{"files", files},
                    {"figures", figures},
                    {"figures_unavailable_reason", outcome.figures_unavailable_reason},
                    {"summary", outcome.summary}};
        }
        return to_python(result);
      },
      py::arg("inputs"), py::arg("output_dir"), py::arg("formats") = "md,html,csv,json",
      "Like `erg report DIR... -o OUT`: renders sweep and profile directories into "
      "report.md/.html, tables/*.csv, report.json and figures/. Returns {files, figures, "
      "figures_unavailable_reason, summary}.");
}

}  // namespace erg::bindings
