#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "bindings/json_cast.hpp"
#include "bindings/modules.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "models/llm/generator.hpp"
#include "profiler/energy_source.hpp"
#include "sweep/model_profile.hpp"

namespace py = pybind11;

namespace erg::bindings {
namespace {

std::string fspath(const py::object& path) {
  return py::module_::import("os").attr("fspath")(path).cast<std::string>();
}

}  // namespace

void bind_model_profile(py::module_& m) {
  m.def(
      "profile_model",
      [](const std::string& kind, const py::object& model, const std::string& variant,
         const py::object& testset, std::size_t utterances, std::size_t beam,
         std::size_t max_symbols, const std::string& prompt, const std::string& strategy,
         std::optional<std::size_t> exit_layer, std::size_t speculations,
         std::size_t max_new_tokens, double min_window_ms, double min_invocation_ms,
         const std::string& source, const py::object& powercap_root, const std::string& sys,
         bool require_energy) {
        if (!(min_window_ms >= 0) || !(min_invocation_ms >= 0))
          throw Error("must be a number at least 0", "min_window_ms, min_invocation_ms");
        sweep::ModelProfileRequest r;
        r.target = kind;
        r.model = fspath(model);
        r.variant = models::runtime::Variant::parse(variant);
        r.thresholds.min_window_s = min_window_ms / 1e3;
        r.thresholds.min_invocation_s = min_invocation_ms / 1e3;
        r.source.kind = profiler::parse_energy_source_kind(source);
        r.source.sys_root = sys;
        r.source_explicit = source != "auto";
        r.require_energy = require_energy;
        if (!powercap_root.is_none()) {
          r.source.powercap_root = fspath(powercap_root);
          // A powercap tree named explicitly is what the caller wants read (as in `erg profile`).
          if (source == "auto") r.source.kind = profiler::EnergySourceKind::kPowercap;
        }
        if (!testset.is_none()) r.testset = fspath(testset);
        r.utterances = utterances;
        r.decode = [beam, max_symbols](float penalty) {
          return (beam > 0 ? models::asr::DecodeOptions::beam_search(beam)
                           : models::asr::DecodeOptions::greedy(max_symbols))
              .with_blank_penalty(penalty);
        };
        r.prompt = prompt;
        const auto parsed_strategy = models::llm::parse_strategy(strategy);
        r.generate = [=](std::size_t n_layers) {
          models::llm::GenerateOptions o;
          o.strategy = parsed_strategy;
          o.exit_layer = exit_layer.value_or(n_layers / 2);
          o.speculations = speculations;
          o.max_new_tokens = max_new_tokens;
          return o;
        };
        nlohmann::json body;
        {
          py::gil_scoped_release release;
          body = sweep::to_json(sweep::profile_model(r));
        }
        nlohmann::json out{{"erg_version", std::string(kVersion)}, {"kind", "model_profile"}};
        for (auto& [key, value] : body.items())
          out[key] = std::move(value);
        return to_python(out);
      },
      py::arg("kind"), py::arg("model"), py::arg("variant") = "", py::kw_only(),
      py::arg("testset") = py::none(), py::arg("utterances") = 2, py::arg("beam") = 0,
      py::arg("max_symbols") = 4, py::arg("prompt") = "Once upon a time",
      py::arg("strategy") = "ar", py::arg("exit_layer") = py::none(), py::arg("speculations") = 4,
      py::arg("max_new_tokens") = 32, py::arg("min_window_ms") = 200.0,
      py::arg("min_invocation_ms") = 10.0, py::arg("source") = "auto",
      py::arg("powercap_root") = py::none(), py::arg("sys") = "/sys",
      py::arg("require_energy") = false,
      "Profiles a model variant in process like `erg profile asr|llm --json` and returns the same "
      "dict (kind 'model_profile'): one window around the real run, and each component's time "
      "and energy, measured over its own invocations in a second run (busy >= min_window_ms, "
      "mean invocation >= min_invocation_ms) or by repeating one representative invocation for "
      "min_window_ms, attributed as per-invocation x real count. kind is 'asr' (the first "
      "`utterances` of `testset`, default tests/fixtures/asr/testset; beam 0 is greedy with "
      "max_symbols) or 'llm' (`max_new_tokens` from `prompt`, EOS ignored; strategy 'ar', "
      "'exit' or 'selfspec'). Without an energy source every energy is None with the reason "
      "beside it; an explicit `source` (or `powercap_root`) that exists but cannot be read "
      "raises erg.Error with the fix, and require_energy=True raises erg.UnavailableError ('energy "
      "unavailable: <why>') instead of returning no energy.");
}

}  // namespace erg::bindings
