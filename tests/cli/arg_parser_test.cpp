// The range-checked getters and the one --threads rule (cli/arg_parser.hpp). Expected messages
// are written out by hand from the formats in arg_parser.cpp.
#include "cli/arg_parser.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace erg::cli {
namespace {

ParsedArgs parse(std::vector<std::string> args) {
  ArgParser parser("test", "test");
  parser.option("n", "N", "").option("x", "X", "").option("threads", "N", "");
  return parser.parse(args);
}

std::string usage_message(const auto& call) {
  try {
    call();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

// Unsets ERG_MAX_THREADS for a test, or sets it, and restores what was there.
class ThreadsCapEnv {
 public:
  explicit ThreadsCapEnv(const char* value) {
    if (const char* old = std::getenv("ERG_MAX_THREADS")) old_ = old;
    if (value)
      ::setenv("ERG_MAX_THREADS", value, 1);
    else
      ::unsetenv("ERG_MAX_THREADS");
  }
  ~ThreadsCapEnv() {
    if (old_.empty())
      ::unsetenv("ERG_MAX_THREADS");
    else
      ::setenv("ERG_MAX_THREADS", old_.c_str(), 1);
  }

 private:
  std::string old_;
};

TEST(ArgParserInt, AcceptsTheBoundsAndRefusesOutsideThemByName) {
  EXPECT_EQ(parse({"--n", "1"}).get_int("n", 0, 1, 64), 1);
  EXPECT_EQ(parse({"--n", "64"}).get_int("n", 0, 1, 64), 64);
  EXPECT_EQ(parse({"--n=-7"}).get_int("n", 0, -7, 0), -7);
  EXPECT_EQ(usage_message([] {
              parse({"--n", "-1"}).get_int("n", 0, 1, 64);
            }),
            "--n -1 is too small (at least 1)");
  EXPECT_EQ(usage_message([] {
              parse({"--n", "65"}).get_int("n", 0, 1, 64);
            }),
            "--n 65 is too large (at most 64)");
}

TEST(ArgParserInt, DigitsBeyondLongAreOutOfRangeNotWrapped) {
  EXPECT_EQ(usage_message([] {
              parse({"--n", "18446744073709551615"}).get_int("n", 0, 1, 64);
            }),
            "--n 18446744073709551615 is too large (at most 64)");
  EXPECT_EQ(usage_message([] {
              parse({"--n", "-99999999999999999999"}).get_int("n", 0, 1, 64);
            }),
            "--n -99999999999999999999 is too small (at least 1)");
  // Even the unbounded form refuses them rather than clamping silently.
  EXPECT_NE(usage_message([] {
              parse({"--n", "99999999999999999999"}).get_long("n", 0);
            }).find("is too large"),
            std::string::npos);
}

TEST(ArgParserInt, RefusesTextThatIsNotAnInteger) {
  for (const char* text : {"", "4x", "2.5", "+3", " 3", "0x10", "1e3"})
    EXPECT_EQ(usage_message([&] {
                parse({"--n", text}).get_int("n", 0, 0, 100);
              }),
              "invalid value '" + std::string(text) + "' for --n (expected an integer)")
        << text;
}

TEST(ArgParserInt, AnAbsentOptionGivesTheFallbackUnchecked) {
  EXPECT_EQ(parse({}).get_int("n", 1000, 1, 64), 1000);
}

TEST(ArgParserDouble, RefusesNonFiniteAndOutOfRangeValues) {
  EXPECT_DOUBLE_EQ(parse({"--x", "0.5"}).get_double("x", 0, 0, 1), 0.5);
  EXPECT_DOUBLE_EQ(parse({"--x", "1"}).get_double("x", 0, 0, 1), 1.0);
  EXPECT_EQ(usage_message([] {
              parse({"--x", "1e300"}).get_double("x", 0, 0, 31536000);
            }),
            "--x 1e300 is too large (at most 31536000)");
  EXPECT_EQ(usage_message([] {
              parse({"--x", "1e999"}).get_double("x", 0, 0, 1e9);
            }),
            "--x 1e999 is too large (at most 1000000000)");
  EXPECT_EQ(usage_message([] {
              parse({"--x", "-1e999"}).get_double("x", 0, 0, 1e9);
            }),
            "--x -1e999 is too small (at least 0)");
  EXPECT_EQ(usage_message([] {
              parse({"--x", "-0.5"}).get_double("x", 0, 0, 100);
            }),
            "--x -0.5 is too small (at least 0)");
  for (const char* text : {"inf", "-inf", "nan", "infinity", "0x1p3", "1,5", "", "+1"})
    EXPECT_EQ(usage_message([&] {
                parse({"--x", text}).get_double("x", 0);
              }),
              "invalid value '" + std::string(text) + "' for --x (expected a finite number)")
        << text;
}

TEST(ArgParserDouble, AboveRefusesTheLowerBoundItself) {
  EXPECT_EQ(usage_message([] {
              parse({"--x", "0"}).get_double_above("x", 1, 0, 1);
            }),
            "--x 0 is too small (must be above 0)");
  EXPECT_EQ(usage_message([] {
              parse({"--x", "-0"}).get_double_above("x", 1, 0, 1);
            }),
            "--x -0 is too small (must be above 0)");
  EXPECT_DOUBLE_EQ(parse({"--x", "1e-9"}).get_double_above("x", 1, 0, 1), 1e-9);
  EXPECT_DOUBLE_EQ(parse({}).get_double_above("x", 0.25, 0, 1), 0.25);
}

TEST(Threads, TheCapIsFourTimesTheHardwareThreads) {
  const ThreadsCapEnv env(nullptr);
  const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(hardware_threads(), hw);
  EXPECT_EQ(max_threads(), 4 * hw);
  EXPECT_EQ(check_threads(1, "--threads"), 1u);
  EXPECT_EQ(check_threads(long(4 * hw), "--threads"), 4 * hw);
  const std::string rule = "--threads must be a positive integer at most " +
                           std::to_string(4 * hw) + " (4 x " + std::to_string(hw) +
                           " hardware threads; ERG_MAX_THREADS changes the cap), got ";
  EXPECT_EQ(usage_message([&] { check_threads(long(4 * hw + 1), "--threads"); }),
            rule + std::to_string(4 * hw + 1));
  EXPECT_EQ(usage_message([] { parse({"--threads", "0"}).get_threads("threads", 1); }), rule + "0");
  EXPECT_EQ(usage_message([] {
              parse({"--threads", "-1"}).get_threads("threads", 1);
            }),
            rule + "-1");
  EXPECT_EQ(usage_message([] {
              parse({"--threads", "99999999999999999999"}).get_threads("threads", 1);
            }),
            rule + "99999999999999999999");
  EXPECT_EQ(usage_message([] {
              parse({"--threads", "two"}).get_threads("threads", 1);
            }),
            "invalid value 'two' for --threads (expected an integer)");
  EXPECT_EQ(parse({}).get_threads("threads", 7), 7u);
}

TEST(Threads, ErgMaxThreadsOverridesTheCap) {
  {
    const ThreadsCapEnv env("3");
    EXPECT_EQ(max_threads(), 3u);
    EXPECT_EQ(parse({"--threads", "3"}).get_threads("threads", 1), 3u);
    EXPECT_EQ(usage_message([] {
                parse({"--threads", "4"}).get_threads("threads", 1);
              }),
              "--threads must be a positive integer at most 3 (the cap ERG_MAX_THREADS sets), "
              "got 4");
  }
  {
    const ThreadsCapEnv env("100000");
    EXPECT_EQ(parse({"--threads", "100000"}).get_threads("threads", 1), 100000u);
  }
  for (const char* bad : {"0", "-2", "many", ""}) {
    const ThreadsCapEnv env(bad);
    EXPECT_EQ(usage_message([] { max_threads(); }),
              "ERG_MAX_THREADS='" + std::string(bad) + "' is not a positive integer")
        << bad;
  }
}

}  // namespace
}  // namespace erg::cli
