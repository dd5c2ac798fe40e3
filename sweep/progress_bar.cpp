#include "sweep/progress_bar.hpp"

#include <cmath>
#include <cstdio>

namespace erg::sweep {

ProgressBar::ProgressBar(std::size_t total, std::ostream& out, bool interactive)
    : total_(total),
      out_(out),
      interactive_(interactive),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string ProgressBar::render(std::size_t done, std::size_t total, double elapsed_s) {
  constexpr int kWidth = 24;
  const double fraction = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  const int filled = static_cast<int>(std::floor(fraction * kWidth));
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  const double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0.0;
  char eta[32] = "ETA --";
  if (rate > 0 && done < total) {
    std::snprintf(eta, sizeof(eta), "ETA %.0fs", static_cast<double>(total - done) / rate);
  } else if (done >= total) {
    std::snprintf(eta, sizeof(eta), "%.1fs", elapsed_s);
  }
  char buf[160];
  std::snprintf(buf, sizeof(buf), "[%s] %zu/%zu  %.2f/s  %s", bar.c_str(), done, total, rate, eta);
  return buf;
}

void ProgressBar::advance(std::size_t n) {
  std::lock_guard lock(mutex_);
  done_ += n;
  draw(false);
}

void ProgressBar::finish() {
  std::lock_guard lock(mutex_);
  draw(true);
  if (interactive_) out_ << "\n";
  out_.flush();
}

void ProgressBar::draw(bool force) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (interactive_) {
    if (!force && now - last_draw_ < std::chrono::milliseconds(100) && done_ < total_) return;
    last_draw_ = now;
    out_ << "\r" << render(done_, total_, elapsed) << std::flush;
    return;
  }
  const std::size_t decile = total_ == 0 ? 10 : done_ * 10 / total_;
  if (decile > last_decile_ || (force && last_decile_ < 10)) {
    last_decile_ = decile;
    out_ << render(done_, total_, elapsed) << "\n" << std::flush;
  }
}

}  // namespace erg::sweep
