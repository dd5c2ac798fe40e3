#include "models/asr/word_error_rate.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace erg::models::asr {

double WordErrors::wer() const {
  if (reference_words == 0) {
    return errors() == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  }
  return static_cast<double>(errors()) / static_cast<double>(reference_words);
}

WordErrors& WordErrors::operator+=(const WordErrors& other) {
  reference_words += other.reference_words;
  substitutions += other.substitutions;
  deletions += other.deletions;
  insertions += other.insertions;
  return *this;
}

std::vector<std::string_view> split_words(std::string_view text) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i]))
      ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i]))
      ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

WordErrors align_words(std::span<const std::string_view> reference,
                       std::span<const std::string_view> hypothesis) {
  const std::size_t n = reference.size();
  const std::size_t m = hypothesis.size();
  const std::size_t cols = m + 1;
  // cost[i][j]: edits turning reference[0, i) into hypothesis[0, j).
  std::vector<std::uint32_t> cost((n + 1) * cols);
  for (std::size_t i = 0; i <= n; ++i)
    cost[i * cols] = static_cast<std::uint32_t>(i);
  for (std::size_t j = 0; j <= m; ++j)
    cost[j] = static_cast<std::uint32_t>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::uint32_t diagonal =
          cost[(i - 1) * cols + j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0U : 1U);
      const std::uint32_t deletion = cost[(i - 1) * cols + j] + 1;
      const std::uint32_t insertion = cost[i * cols + j - 1] + 1;
      cost[i * cols + j] = std::min(diagonal, std::min(deletion, insertion));
    }
  }
  WordErrors out;
  out.reference_words = n;
  std::size_t i = n;
  std::size_t j = m;
  while (i > 0 || j > 0) {
    const std::uint32_t here = cost[i * cols + j];
    if (i > 0 && j > 0) {
      const bool same = reference[i - 1] == hypothesis[j - 1];
      if (here == cost[(i - 1) * cols + j - 1] + (same ? 0U : 1U)) {
        if (!same) ++out.substitutions;
        --i;
        --j;
        continue;
      }
    }
    if (i > 0 && here == cost[(i - 1) * cols + j] + 1) {
      ++out.deletions;
      --i;
    } else {
      ++out.insertions;
      --j;
    }
  }
  return out;
}

WordErrors word_errors(std::string_view reference, std::string_view hypothesis) {
  const std::vector<std::string_view> ref = split_words(reference);
  const std::vector<std::string_view> hyp = split_words(hypothesis);
  return align_words(ref, hyp);
}

const WordErrors& WerAccumulator::add(std::string_view reference, std::string_view hypothesis) {
  last_ = word_errors(reference, hypothesis);
  totals_ += last_;
  ++utterances_;
  if (last_.errors() > 0) ++utterances_with_errors_;
  return last_;
}

namespace {

std::vector<double> column(std::span<const WordErrors> v, bool words) {
  std::vector<double> out;
  out.reserve(v.size());
  for (const auto& e : v)
    out.push_back(double(words ? e.reference_words : e.errors()));
  return out;
}

}  // namespace

WerEstimate estimate_wer(std::span<const WordErrors> per_utterance,
                         const BootstrapOptions& options) {
  WerEstimate out;
  for (const auto& e : per_utterance)
    out.totals += e;
  out.utterances = per_utterance.size();
  out.wer = bootstrap_ratio(column(per_utterance, false), column(per_utterance, true), options);
  return out;
}

Interval paired_wer_difference(std::span<const WordErrors> a, std::span<const WordErrors> b,
                               const BootstrapOptions& options) {
  if (a.size() != b.size())
    throw Error("a paired WER comparison needs the same utterances: " + std::to_string(a.size()) +
                    " against " + std::to_string(b.size()),
                "paired_wer_difference");
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].reference_words != b[i].reference_words)
      throw Error("utterance " + std::to_string(i) + " has " +
                      std::to_string(a[i].reference_words) + " reference words in one result and " +
                      std::to_string(b[i].reference_words) + " in the other",
                  "paired_wer_difference");
  return paired_bootstrap_difference(column(a, false), column(b, false), column(a, true), options);
}

bool WerComparison::significant() const {
  return difference.resamples > 0 && (difference.low > 0.0 || difference.high < 0.0);
}

WerComparison compare_wer(std::span<const WordErrors> a, std::span<const WordErrors> b,
                          const BootstrapOptions& options) {
  WerComparison out;
  out.difference = paired_wer_difference(a, b, options);
  out.a = estimate_wer(a, options);
  out.b = estimate_wer(b, options);
  return out;
}

}  // namespace erg::models::asr
