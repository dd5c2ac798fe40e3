#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>

namespace erg::sweep {

// One progress bar for a whole sweep, on stderr, labeled with what runs now (preset, search
// step), with the sweep's row count, rate and ETA. On a terminal it redraws one line (at most 10
// times a second); otherwise it prints a plain line at most every `line_interval_s` (and a last
// one at finish()), so a log gets a line every few seconds, not one per row.
//
// A search that learns its size as it goes (the sensitivity search) gives an estimate of the rows
// still to come after the batch it is about to run (expect_later); the total is then shown with
// a "~". Rows answered from the store count as done but not in the rate.
class ProgressBar {
 public:
  using Clock = std::function<double()>;  // monotonic seconds
  static constexpr double kLineIntervalS = 5.0;

  ProgressBar(std::size_t total, std::ostream& out, bool interactive);
  ProgressBar(std::size_t total, std::ostream& out, bool interactive, Clock clock,
              double line_interval_s = kLineIntervalS);

  void set_label(std::string label);
  // Rows expected after the next batch (an estimate), added to the total by begin_batch.
  void expect_later(std::size_t rows);
  // A batch of `rows` to evaluate and `stored` already in the store: total = done + rows +
  // stored + the later estimate (never below what is done).
  void begin_batch(std::size_t rows, std::size_t stored = 0);
  void advance(std::size_t n = 1);     // n rows evaluated
  void advance_stored(std::size_t n);  // n rows answered from the store
  void finish();

  // The text of the bar, e.g. "wearable step 2: compress  [######..................] 12/~48 rows
  // 3.00/s  ETA 12s"; `evaluated` of the `done` rows set the rate.
  static std::string render(const std::string& label, std::size_t done, std::size_t total,
                            bool estimate, std::size_t evaluated, double elapsed_s);
  static std::string render(std::size_t done, std::size_t total, double elapsed_s);
  static std::string duration_text(double seconds);  // "4s", "2m05s", "1h02m"

 private:
  void draw(bool force);

  std::size_t total_;
  std::size_t done_ = 0;
  std::size_t evaluated_ = 0;
  std::size_t later_ = 0;
  bool estimate_ = false;
  std::string label_;
  std::ostream& out_;
  bool interactive_;
  Clock clock_;
  double line_interval_s_;
  std::mutex mutex_;
  double start_s_;
  double last_draw_s_;
  std::size_t last_drawn_done_ = 0;
  bool drew_ = false;
};

}  // namespace erg::sweep
