#include "sweep/model_workload.hpp"

#include "core/error.hpp"

namespace erg::sweep {

std::unique_ptr<ModelWorkload> make_workload(const ExperimentSpec& spec) {
  if (spec.model_kind == "shape") return make_shape_workload(spec);
  if (spec.model_kind == "llm") return make_llm_workload(spec);
  if (spec.model_kind == "asr") return make_asr_workload(spec);
  throw Error("unknown model kind '" + spec.model_kind + "' (expected asr, llm or shape)",
              spec.file.string());
}

}  // namespace erg::sweep
