#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <ostream>
#include <string>

namespace erg::sweep {

// A progress bar on stderr with rate and ETA. On a terminal it redraws one line (at most 10
// times a second); otherwise it prints a plain line at every 10% so logs stay readable.
class ProgressBar {
 public:
  ProgressBar(std::size_t total, std::ostream& out, bool interactive);
  void advance(std::size_t n = 1);
  void finish();
  // The text of the bar for `done` of `total` after `elapsed_s`, e.g.
  // "[#####.....] 12/24  3.00/s  ETA 4s".
  static std::string render(std::size_t done, std::size_t total, double elapsed_s);

 private:
  void draw(bool force);

  std::size_t total_;
  std::size_t done_ = 0;
  std::ostream& out_;
  bool interactive_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::size_t last_decile_ = 0;
};

}  // namespace erg::sweep
