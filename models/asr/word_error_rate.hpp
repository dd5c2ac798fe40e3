#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/bootstrap.hpp"

namespace erg::models::asr {

// Word error counts of one hypothesis, or summed over a test set.
struct WordErrors {
  std::size_t reference_words = 0;
  std::size_t substitutions = 0;
  std::size_t deletions = 0;
  std::size_t insertions = 0;

  std::size_t errors() const { return substitutions + deletions + insertions; }
  // errors / reference words; 0 for an empty reference with no errors, +inf with insertions.
  double wer() const;
  WordErrors& operator+=(const WordErrors& other);
  bool operator==(const WordErrors&) const = default;
};

// Splits on ASCII whitespace; no case folding or punctuation handling (normalize beforehand).
std::vector<std::string_view> split_words(std::string_view text);

// Minimum-edit (Levenshtein) alignment of word sequences, every edit costing 1. Among the
// alignments of minimal cost, the backtrace prefers a match or substitution, then a deletion,
// then an insertion, which fixes how ties split into S, D and I.
WordErrors align_words(std::span<const std::string_view> reference,
                       std::span<const std::string_view> hypothesis);
WordErrors word_errors(std::string_view reference, std::string_view hypothesis);

// Corpus-level WER: errors and reference words summed over utterances (not a mean of WERs).
class WerAccumulator {
 public:
  const WordErrors& add(std::string_view reference, std::string_view hypothesis);
  const WordErrors& totals() const { return totals_; }
  std::size_t utterances() const { return utterances_; }
  // Utterances with at least one error.
  std::size_t utterances_with_errors() const { return utterances_with_errors_; }
  double wer() const { return totals_.wer(); }

 private:
  WordErrors last_;
  WordErrors totals_;
  std::size_t utterances_ = 0;
  std::size_t utterances_with_errors_ = 0;
};

// Corpus WER of a set of utterances with its 95% (options.level) percentile bootstrap interval,
// utterances resampled with replacement. All figures are fractions.
struct WerEstimate {
  WordErrors totals;
  std::size_t utterances = 0;
  Interval wer;  // value = errors / reference words; NaN (and no interval) without reference words
};
WerEstimate estimate_wer(std::span<const WordErrors> per_utterance,
                         const BootstrapOptions& options = {});

// WER(b) - WER(a) as a fraction (x 100: percentage points), by a paired bootstrap: every
// resample applies one set of utterance indices to both. a[i] and b[i] must score the same
// utterance; throws erg::Error when the lengths or a reference word count differ.
Interval paired_wer_difference(std::span<const WordErrors> a, std::span<const WordErrors> b,
                               const BootstrapOptions& options = {});

// Two variants scored on the same utterances: each one's WER and the paired difference b - a.
struct WerComparison {
  WerEstimate a, b;
  Interval difference;  // WER(b) - WER(a), fraction
  // The interval excludes 0 (a difference the resampling cannot explain away).
  bool significant() const;
};
WerComparison compare_wer(std::span<const WordErrors> a, std::span<const WordErrors> b,
                          const BootstrapOptions& options = {});

}  // namespace erg::models::asr
