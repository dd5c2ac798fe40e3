#include "sweep/progress_bar.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace erg::sweep {

namespace {

double steady_now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

ProgressBar::ProgressBar(std::size_t total, std::ostream& out, bool interactive)
    : ProgressBar(total, out, interactive, steady_now_s) {}

ProgressBar::ProgressBar(std::size_t total, std::ostream& out, bool interactive, Clock clock,
                         double line_interval_s)
    : total_(total),
      out_(out),
      interactive_(interactive),
      clock_(std::move(clock)),
      line_interval_s_(line_interval_s),
      start_s_(clock_()),
      last_draw_s_(start_s_) {}

std::string ProgressBar::duration_text(double seconds) {
  const auto s = static_cast<long>(std::lround(std::max(0.0, seconds)));
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof(buf), "%lds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof(buf), "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  }
  return buf;
}

std::string ProgressBar::render(const std::string& label, std::size_t done, std::size_t total,
                                bool estimate, std::size_t evaluated, double elapsed_s) {
  constexpr int kWidth = 24;
  const double fraction =
      total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  const int filled = static_cast<int>(std::floor(fraction * kWidth));
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  const double rate = elapsed_s > 0 ? static_cast<double>(evaluated) / elapsed_s : 0.0;
  std::string eta = "ETA --";
  if (done >= total && !estimate) {
    eta = "done in " + duration_text(elapsed_s);
  } else if (rate > 0 && done < total) {
    eta = std::string("ETA ") + (estimate ? "~" : "") +
          duration_text(static_cast<double>(total - done) / rate);
  }
  char buf[96];
  std::snprintf(buf, sizeof(buf), "[%s] %zu/%s%zu rows  %.2f/s  ", bar.c_str(), done,
                estimate ? "~" : "", total, rate);
  return (label.empty() ? "" : label + "  ") + buf + eta;
}

std::string ProgressBar::render(std::size_t done, std::size_t total, double elapsed_s) {
  return render("", done, total, false, done, elapsed_s);
}

void ProgressBar::set_label(std::string label) {
  std::lock_guard lock(mutex_);
  label_ = std::move(label);
}

void ProgressBar::expect_later(std::size_t rows) {
  std::lock_guard lock(mutex_);
  later_ = rows;
  estimate_ = true;
}

void ProgressBar::begin_batch(std::size_t rows, std::size_t stored) {
  std::lock_guard lock(mutex_);
  const std::size_t ahead = done_ + rows + stored + later_;
  total_ = estimate_ ? ahead : std::max(total_, ahead);
}

void ProgressBar::advance(std::size_t n) {
  std::lock_guard lock(mutex_);
  done_ += n;
  evaluated_ += n;
  draw(false);
}

void ProgressBar::advance_stored(std::size_t n) {
  if (n == 0) return;
  std::lock_guard lock(mutex_);
  done_ += n;
  draw(false);
}

void ProgressBar::finish() {
  std::lock_guard lock(mutex_);
  // Whatever the estimate said, the sweep is over: the total is what was done.
  total_ = done_;
  estimate_ = false;
  if (drew_ || done_ > 0) draw(true);
  if (interactive_ && drew_) out_ << "\n";
  out_.flush();
}

void ProgressBar::draw(bool force) {
  const double now = clock_();
  const double elapsed = now - start_s_;
  const double since = now - last_draw_s_;
  if (interactive_) {
    if (!force && since < 0.1 && done_ < total_) return;
  } else {
    if (!force && since < line_interval_s_) return;
    if (force && drew_ && last_drawn_done_ == done_ && done_ < total_) return;
  }
  last_draw_s_ = now;
  last_drawn_done_ = done_;
  drew_ = true;
  const auto text = render(label_, done_, total_, estimate_, evaluated_, elapsed);
  if (interactive_) {
    out_ << "\r" << text << "\033[K" << std::flush;
  } else {
    out_ << text << "\n" << std::flush;
  }
}

}  // namespace erg::sweep
