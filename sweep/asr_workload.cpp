#include "core/error.hpp"
#include "sweep/model_workload.hpp"

namespace erg::sweep {

std::unique_ptr<ModelWorkload> make_asr_workload(const ExperimentSpec& spec) {
  throw Error(
      "sweeping the shipped ASR models needs the C++ RNN-T engine, which is not in this "
      "build yet (models/asr has only the frontend); use a shape spec (model.kind = "
      "\"shape\", name = \"emformer_rnnt_base\") meanwhile",
      spec.file.string());
}

}  // namespace erg::sweep
