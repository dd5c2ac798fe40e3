#include "reports/report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "reports/figure_data.hpp"
#include "reports/sweep_tables.hpp"
#include "tests/reports/html_check.hpp"
#include "tests/sweep/fake_search.hpp"

namespace erg::reports {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path fixtures() {
  return data_root() / "tests" / "fixtures" / "reports";
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "erg-report-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A CSV file as header -> column, row by row (the report's CSVs quote only cells with commas).
std::vector<std::map<std::string, std::string>> read_csv(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::map<std::string, std::string>> out;
  auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        cells.push_back(cell);
        cell.clear();
      } else {
        cell += c;
      }
    }
    cells.push_back(cell);
    return cells;
  };
  std::string line;
  std::getline(in, line);
  const auto header = split(line);
  while (std::getline(in, line)) {
    const auto cells = split(line);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i)
      row[header[i]] = cells[i];
    out.push_back(row);
  }
  return out;
}

bool have_python() {
  return !PlotRunner::from_environment().unavailable_reason().has_value();
}

class AsrReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    inputs_ = new ReportInputs(
        load_report_inputs({fixtures() / "asr_design_search", fixtures() / "profile_fake_powercap",
                            fixtures() / "profile_no_rapl"}));
    outcome_ = new ReportOutcome(write_report(*inputs_, dir_->path()));
  }
  static void TearDownTestSuite() {
    delete outcome_;
    delete inputs_;
    delete dir_;
  }
  static TempDir* dir_;
  static ReportInputs* inputs_;
  static ReportOutcome* outcome_;
};
TempDir* AsrReport::dir_ = nullptr;
ReportInputs* AsrReport::inputs_ = nullptr;
ReportOutcome* AsrReport::outcome_ = nullptr;

TEST_F(AsrReport, WritesEveryFile) {
  const auto& out = dir_->path();
  for (const char* f : {"report.md", "report.html", "report.json", "tables/variants.csv",
                        "tables/presets.csv", "tables/principles.csv", "tables/profiles.csv"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
  }
  if (!have_python()) GTEST_SKIP() << "no python3 with matplotlib: figures are not drawn";
  for (const char* f : {"energy_breakdown", "pareto", "sensitivity", "power_timeline"}) {
    EXPECT_GT(fs::file_size(out / "figures" / (std::string(f) + ".png")), 1000u) << f;
    EXPECT_NE(read(out / "figures" / (std::string(f) + ".svg")).find("<svg"), std::string::npos);
  }
  // No LLM self-speculative rows in this sweep: the heatmap is skipped with a reason.
  bool heatmap_noted = false;
  for (const auto& f : outcome_->figures) {
    if (f.name == "llm_heatmap") heatmap_noted = f.png.empty() && !f.missing_reason.empty();
  }
  EXPECT_TRUE(heatmap_noted);
  EXPECT_TRUE(outcome_->figures_unavailable_reason.empty());
}

TEST_F(AsrReport, HtmlIsSelfContainedAndWellFormed) {
  const auto html = read(dir_->path() / "report.html");
  const auto problems = testing::check_html(html);
  EXPECT_TRUE(problems.ok()) << problems.items.front();
  if (have_python()) {
    EXPECT_NE(html.find("src=\"data:image/png;base64,"), std::string::npos);
  }
}

// Every number in the variant table is the store's, rescaled by hand: energy per audio second is
// metrics.energy_per_unit_uj; a component's level is breakdown_pj / 1e6 / audio_seconds.
TEST_F(AsrReport, VariantTableMatchesTheStore) {
  const auto rows = read_csv(dir_->path() / "tables" / "variants.csv");
  ASSERT_EQ(rows.size(), inputs_->sweep->rows.size());  // one row per stored variant (38)
  ASSERT_EQ(rows.size(), 38u);
  for (const auto& r : rows) {
    const auto* stored = inputs_->sweep->row_by_key(r.at("key"));
    ASSERT_NE(stored, nullptr) << r.at("key");
    const auto& m = (*stored)["metrics"];
    EXPECT_NEAR(std::stod(r.at("energy_uj_per_audio_second")),
                m["energy_per_unit_uj"].get<double>(),
                1e-8 * m["energy_per_unit_uj"].get<double>());
    const double seconds = m["audio_seconds"].get<double>();
    for (const char* c : {"asr.encoder", "asr.predictor", "asr.joiner"}) {
      for (const char* l : {"l1", "dram", "mac"}) {
        const double expected = m["breakdown_pj"][c][l].get<double>() / 1e6 / seconds;
        EXPECT_NEAR(std::stod(r.at(level_column(c, l, "audio_second"))), expected,
                    1e-8 * std::max(1.0, expected))
            << c << " " << l;
      }
    }
    // The CSV keeps 10 significant digits (format_exact).
    EXPECT_NEAR(std::stod(r.at("wer_percent")), m["accuracy"]["wer"].get<double>(), 1e-9 * 300);
    EXPECT_NEAR(std::stod(r.at("rtf")), m["rtf"].get<double>(), 1e-10);
    EXPECT_EQ(r.at("preset"), (*stored)["config"]["preset"].get<std::string>());
  }
}

TEST_F(AsrReport, PresetTableAndPrinciplesComeFromTheSummary) {
  const auto rows = read_csv(dir_->path() / "tables" / "presets.csv");
  ASSERT_EQ(rows.size(), 2u);
  // summary.json: wearable baseline 5583.85 uJ, best 374.27 uJ (all three int8, joiner and
  // predictor pinned: the encoder does not fit beside them in 2 MiB), saved 93.3 %. The CSV keeps
  // 10 significant digits.
  EXPECT_EQ(rows[0].at("preset"), "wearable-sram2m-lpddr4x");
  EXPECT_NEAR(std::stod(rows[0].at("baseline_uj_per_audio_second")), 5583.849841899127, 1e-5);
  EXPECT_NEAR(std::stod(rows[0].at("best_uj_per_audio_second")), 374.269985, 1e-6);
  EXPECT_NEAR(std::stod(rows[0].at("energy_saved_percent")),
              100 * (1 - 374.269985 / 5583.849841899127), 1e-6);
  EXPECT_EQ(rows[0].at("pinned"), "asr.joiner asr.predictor");
  // The first step pinned asr.joiner (714440 bytes = 698 KiB): the "asr.joiner:pin" row's
  // 4819.43 uJ against the 5583.85 uJ baseline saves 764.42 uJ = 13.7 %.
  const auto md = read(dir_->path() / "report.md");
  EXPECT_NE(md.find("Pin asr.joiner (698 KiB) in local memory on wearable-sram2m-lpddr4x: "
                    "saves 764.4 uJ per audio_second (13.7% of the baseline)."),
            std::string::npos)
      << md.substr(0, 3000);
  EXPECT_NE(md.find("Stop on mobile-7nm-lpddr4x"), std::string::npos);
  // The stop on mobile refuses encoder int4 although its estimate lowers WER (-0.261 points):
  // the paired CI [-1.258, 0.639] puts WER at 5.874, above the 5.826 limit (base 5.326 + 0.5).
  EXPECT_NE(md.find("would cost -0.261 WER point (95% CI [-1.258, 0.639]; its upper end puts "
                    "WER at 5.874, above the limit 5.826)."),
            std::string::npos)
      << md.substr(0, 3000);
}

// Static energy is power x modeled time over energy_pj, row by row (results.jsonl): on
// mobile-7nm-lpddr4x 13 of its 17 rows are above half (50.75 % to 71.64 %), the best design
// (all int8) at 52.2 % and the baseline at 49.98 %, so only the best is named; the wearable
// preset's LSTP SRAM keeps every wearable row near 5 %, so it gets no note.
TEST_F(AsrReport, NotesWhereStaticEnergyIsMoreThanHalf) {
  const auto notes = static_energy_notes(*inputs_->sweep);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("is more than half of 13 of 17 results on mobile-7nm-lpddr4x (51% to "
                          "72%), among them the best (52%)"),
            std::string::npos)
      << notes[0];
  const auto md = read(dir_->path() / "report.md");
  EXPECT_NE(md.find("> **Static energy:** " + notes[0]), std::string::npos);
  const auto html = read(dir_->path() / "report.html");
  EXPECT_NE(html.find("<strong>Static energy:</strong> Static energy (leakage"), std::string::npos);
  const auto rows = read_csv(dir_->path() / "tables" / "presets.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NEAR(std::stod(rows[1].at("best_static_percent")), 52.21888386, 1e-6);
  EXPECT_NEAR(std::stod(rows[1].at("baseline_static_percent")), 49.98286098, 1e-6);
  EXPECT_NEAR(std::stod(rows[0].at("baseline_static_percent")), 4.978371631, 1e-6);
}

// The energy-breakdown figure draws figure_data/energy_breakdown.json: per design, its components'
// levels plus static energy, which add up to the variant table's energy for that row (the chart's
// bar totals are the table's).
TEST_F(AsrReport, EnergyBreakdownPartsAddUpToTheTable) {
  const auto data = json::parse(read(dir_->path() / "figure_data" / "energy_breakdown.json"));
  std::map<std::string, std::map<std::string, std::string>> table;
  for (const auto& r : read_csv(dir_->path() / "tables" / "variants.csv"))
    table[r.at("key")] = r;
  std::size_t designs = 0;
  for (const auto& p : data["presets"]) {
    for (const auto& d : p["designs"]) {
      const auto& row = table.at(d["key"].get<std::string>());
      double sum = d["static_uj"].get<double>();
      for (const auto& [c, levels] : d["components"].items())
        for (const auto& [l, uj] : levels.items())
          sum += uj.get<double>();
      const double total = std::stod(row.at("energy_uj_per_audio_second"));
      EXPECT_NEAR(sum, total, 1e-8 * total) << d["key"];
      EXPECT_NEAR(d["total_uj"].get<double>(), total, 1e-8 * total);
      EXPECT_NEAR(d["static_uj"].get<double>(), std::stod(row.at("static_uj_per_audio_second")),
                  1e-8 * total);
      ++designs;
    }
  }
  EXPECT_EQ(designs, 4u);  // baseline and best on two presets
}

TEST_F(AsrReport, ProfilesSayWhenEnergyIsUnavailable) {
  const auto md = read(dir_->path() / "report.md");
  EXPECT_NE(md.find("energy unavailable (no RAPL energy interface"), std::string::npos);
  const auto rows = read_csv(dir_->path() / "tables" / "profiles.csv");
  // The fake powercap run has two domains; the VM run one row saying why there is no energy.
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].at("energy").rfind("unavailable (no RAPL", 0), 0u) << rows[2].at("energy");
  EXPECT_TRUE(rows[2].at("mean_power_w").empty());
  // Mean package power is the plain mean of the timeline column.
  const auto& run = inputs_->profiles[0];
  double sum = 0;
  for (double w : run.power_w[0])
    sum += w;
  EXPECT_EQ(rows[0].at("domain"), "package-0");
  EXPECT_NEAR(std::stod(rows[0].at("mean_power_w")), sum / run.power_w[0].size(), 1e-6);
  // The fake tree drew 6-11 W on the package (fake_powercap_writer.py).
  EXPECT_GT(std::stod(rows[0].at("mean_power_w")), 5.0);
  EXPECT_LT(std::stod(rows[0].at("mean_power_w")), 12.0);
}

TEST_F(AsrReport, SummaryJsonHasEnvelopeAndUnits) {
  const auto j = json::parse(read(dir_->path() / "report.json"));
  EXPECT_EQ(j["kind"], "report");
  EXPECT_TRUE(j.contains("erg_version"));
  EXPECT_EQ(j["sweep"]["energy_unit"], "audio_second");
  EXPECT_TRUE(j["presets"][0].contains("baseline_uj_per_audio_second"));
  EXPECT_FALSE(j["principles"].empty());
  EXPECT_EQ(j["profiles"][1]["energy_available"], false);
}

// The heatmap over (E, d) from the LLM grid: acceptance is accepted/drafted of each row, and the
// speedup the ratio of modeled tokens per second against the autoregressive row. Both generate 32
// tokens at (E=4, d=2), so it is 4.8792 s / 3.8496 s = 1.2675 (results.jsonl). Energy per token
// is each preset's own rows' energy_per_unit_uj, its AR row the reference.
TEST(LlmReport, HeatmapDataFromTheGrid) {
  const auto sweep = load_sweep_results(fixtures() / "llm_selfspec_grid");
  const auto f = llm_heatmap_data(sweep);
  ASSERT_FALSE(f.data.is_null()) << f.skip_reason;
  EXPECT_EQ(f.data["exit_layers"], json({2, 4, 8}));
  EXPECT_EQ(f.data["speculations"], json({2, 4, 6}));
  EXPECT_NEAR(f.data["acceptance"][1][0].get<double>(), 17.0 / 30.0, 1e-12);
  EXPECT_NEAR(f.data["speedup"][1][0].get<double>(), 4.87919444681803 / 3.8495659417641175, 1e-9);
  EXPECT_EQ(f.data["speedup_basis"], "modeled");
  // Shape rows have no measured speed: 32 tokens over the modeled time.
  EXPECT_NEAR(f.data["tokens_per_s"][1][0].get<double>(), 32.0 / 3.8495659417641175, 1e-9);
  EXPECT_NEAR(f.data["ar_tokens_per_s"].get<double>(), 32.0 / 4.87919444681803, 1e-9);
  EXPECT_EQ(f.data["energy_unit"], "token");
  // One energy panel per preset of the sweep, each cell that preset's row.
  ASSERT_EQ(f.data["energy"].size(), 2u);
  for (const auto& panel : f.data["energy"]) {
    const std::string preset = panel["preset"];
    for (const auto& r : sweep.rows) {
      const auto& c = r["config"];
      if (c["preset"] != preset) continue;
      const auto& rt = c["runtime"];
      const double uj = r["metrics"]["energy_per_unit_uj"].get<double>();
      if (rt["strategy"] == "ar") {
        // Every AR row of a shape spec models the same 32 tokens: the reference is any of them.
        EXPECT_NEAR(panel["ar_uj_per_token"].get<double>(), uj, 1e-4 * uj) << preset;
        continue;
      }
      const long e = rt["exit_layer"], d = rt["speculations"];
      const std::size_t i = e == 2 ? 0 : e == 4 ? 1 : 2, j = std::size_t(d / 2 - 1);
      EXPECT_DOUBLE_EQ(panel["uj_per_token"][i][j].get<double>(), uj) << preset << " " << rt;
    }
  }
  EXPECT_EQ(f.data["energy"][0]["preset"], "mobile-7nm-lpddr4x");
  EXPECT_EQ(f.data["energy"][1]["preset"], "wearable-sram2m-lpddr4x");
  // 18 components roll up to llm.embed, llm.head and llm.layer; 18 design points on 2 presets.
  const auto t = variant_table(sweep);
  EXPECT_NE(std::find(t.header.begin(), t.header.end(), "llm.layer.dram_uj_per_token"),
            t.header.end());
  EXPECT_EQ(t.rows.size(), 36u);
}

TEST(LlmReport, SkipsFiguresThatDoNotApply) {
  const auto sweep = load_sweep_results(fixtures() / "llm_selfspec_grid");
  EXPECT_NE(pareto_data(sweep).skip_reason.find("no accuracy metric"), std::string::npos);
  EXPECT_NE(sensitivity_data(sweep).skip_reason.find("sensitivity"), std::string::npos);
  const auto asr = load_sweep_results(fixtures() / "asr_design_search");
  EXPECT_NE(llm_heatmap_data(asr).skip_reason.find("no LLM rows"), std::string::npos);
}

TEST(ReportWithoutPython, WritesTablesAndSaysWhy) {
  TempDir dir;
  ReportOptions options;
  options.plots = PlotRunner("/nonexistent/python3", data_root() / "scripts" / "plots", 10);
  const auto outcome =
      write_report(load_report_inputs({fixtures() / "llm_selfspec_grid"}), dir.path(), options);
  EXPECT_NE(
      outcome.figures_unavailable_reason.find("no Python interpreter at /nonexistent/python3"),
      std::string::npos);
  EXPECT_TRUE(fs::exists(dir.path() / "tables" / "variants.csv"));
  EXPECT_FALSE(fs::exists(dir.path() / "figures" / "energy_breakdown.png"));
  const auto md = read(dir.path() / "report.md");
  EXPECT_NE(md.find("**Figures missing:** no Python interpreter at /nonexistent/python3"),
            std::string::npos);
  EXPECT_TRUE(testing::check_html(read(dir.path() / "report.html")).ok());
}

TEST(ReportScriptFailure, ReportsTheScriptsStderr) {
  if (!have_python()) GTEST_SKIP() << "no python3 with matplotlib";
  TempDir dir;
  fs::create_directories(dir.path() / "plots");
  std::ofstream(dir.path() / "plots" / "plot_common.py") << "\n";
  std::ofstream(dir.path() / "plots" / "energy_breakdown.py")
      << "import sys\nsys.stderr.write('boom: cannot draw\\n')\nsys.exit(3)\n";
  ReportOptions options;
  options.plots = PlotRunner(PlotRunner::from_environment().python(), dir.path() / "plots", 30);
  options.formats = {"md"};
  const auto outcome = write_report(load_report_inputs({fixtures() / "llm_selfspec_grid"}),
                                    dir.path() / "out", options);
  ASSERT_FALSE(outcome.figures.empty());
  EXPECT_EQ(outcome.figures[0].name, "energy_breakdown");
  EXPECT_NE(outcome.figures[0].missing_reason.find("exit status 3: boom: cannot draw"),
            std::string::npos)
      << outcome.figures[0].missing_reason;
  EXPECT_FALSE(fs::exists(dir.path() / "out" / "report.html"));  // only md was asked for
}

// The order and hypothesis sections from freshly run searches on the hand-set fake
// (tests/sweep/fake_search.hpp): in the overlapping case x.b's sensitivity interval contains
// x.a's 0.0025 (derived there), in the separated case x.a's [0.0025] lies below x.b's [0.005].
ReportOutcome fake_report(bool separated, const fs::path& dir) {
  sweep::testing::run_fake(sweep::testing::fake_order_case(separated),
                           sweep::testing::fake_spec("base + 2", "x.a"), dir / "sweep");
  ReportOptions options;
  options.plots = PlotRunner("/nonexistent/python3", data_root() / "scripts" / "plots", 10);
  return write_report(load_report_inputs({dir / "sweep"}), dir / "report", options);
}

TEST(HypothesisReport, SaysWhenTheOrderIsNotStatisticallySupported) {
  TempDir dir;
  fake_report(false, dir.path());
  const auto md = read(dir.path() / "report" / "report.md");
  EXPECT_NE(md.find("the order x.a → x.b is not statistically supported: the sensitivity CIs of "
                    "x.a and x.b overlap"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("Compress x.a first, on fake x mobile-7nm-lpddr4x: not statistically "
                    "supported: the search compressed x.a first"),
            std::string::npos)
      << md;
  const auto html = read(dir.path() / "report" / "report.html");
  EXPECT_NE(html.find("is not statistically supported: the sensitivity CIs of x.a and x.b overlap"),
            std::string::npos);
  EXPECT_TRUE(testing::check_html(html).ok());
}

TEST(HypothesisReport, ComponentTableAndVerdictCarryTheNumbers) {
  TempDir dir;
  const auto outcome = fake_report(true, dir.path());
  const auto md = read(dir.path() / "report" / "report.md");
  EXPECT_NE(md.find("the order x.a → x.b is statistically supported"), std::string::npos) << md;
  EXPECT_NE(md.find(": holds: the search compressed x.a first"), std::string::npos) << md;
  // The fake's baseline by hand: x.a 1000 of 10000 bytes, 900 of 1000 calls, 400 of 1200 uJ.
  EXPECT_NE(md.find("x.a 10.0 % of parameters, 90.0 % of invocations, 33.3 % of modeled energy"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("Hypothesis under test: \"compress x.a first\"."), std::string::npos) << md;
  EXPECT_NE(md.find("x.a takes 33.3 % of modeled energy with 10.0 % of parameters (3.3x its "
                    "parameter share); the largest share is x.b's 66.7 %"),
            std::string::npos)
      << md;
  const auto rows = read_csv(dir.path() / "report" / "tables" / "components.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("component"), "x.a");
  EXPECT_NEAR(std::stod(rows[0].at("parameter_share_percent")), 10.0, 1e-9);
  EXPECT_NEAR(std::stod(rows[0].at("invocation_share_percent")), 90.0, 1e-9);
  EXPECT_NEAR(std::stod(rows[0].at("sensitivity_wer_points_per_uj_per_audio_second")), 0.0025,
              1e-12);
  EXPECT_EQ(rows[0].at("energy_saved_uj_per_audio_second_per_step"), "100");
  EXPECT_EQ(rows[1].at("energy_saved_uj_per_audio_second_per_step"), "50");
  const auto& hyp = outcome.summary["hypotheses"];
  ASSERT_EQ(hyp.size(), 1u);
  EXPECT_EQ(hyp[0]["principle"]["verdict"], "holds");
  EXPECT_TRUE(hyp[0]["order_is_significant"].get<bool>());
}

// Summaries from before the per-component figures (the stored fixture) still report, and say
// what is missing.
TEST(HypothesisReport, OldSummariesStillReport) {
  TempDir dir;
  ReportOptions options;
  options.plots = PlotRunner("/nonexistent/python3", data_root() / "scripts" / "plots", 10);
  const auto old_dir = fixtures() / "asr_design_search_2026-11-29";
  const auto sweep = load_sweep_results(old_dir);
  for (const auto& p : sweep.summary["per_preset"])
    ASSERT_FALSE(p.contains("components")) << "the fixture must predate per-component figures";
  write_report(load_report_inputs({old_dir}), dir.path(), options);
  const auto md = read(dir.path() / "report.md");
  EXPECT_NE(md.find("## Compression order and hypotheses"), std::string::npos);
  EXPECT_NE(md.find("carries no per-component sensitivities"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() / "tables" / "components.csv"));
}

// The committed search on the dev split: its summary carries the order, its significance and the
// Joiner-first verdict per preset, and the report shows each with its numbers.
TEST(HypothesisReport, DevSplitSearchReportsOrderAndVerdict) {
  TempDir dir;
  ReportOptions options;
  options.plots = PlotRunner("/nonexistent/python3", data_root() / "scripts" / "plots", 10);
  const auto sweep = load_sweep_results(fixtures() / "asr_design_search");
  ASSERT_EQ(sweep.summary["per_preset"].size(), 2u);
  for (const auto& p : sweep.summary["per_preset"]) {
    ASSERT_TRUE(p.contains("components")) << p["preset"];
    ASSERT_TRUE(p.contains("compression_order")) << p["preset"];
    ASSERT_TRUE(p["order_is_significant"].is_boolean()) << p["preset"];
    EXPECT_EQ(p["compression_order"].size(), 3u) << p["preset"];
  }
  write_report(load_report_inputs({fixtures() / "asr_design_search"}), dir.path(), options);
  const auto md = read(dir.path() / "report.md");
  EXPECT_NE(md.find("## Compression order and hypotheses"), std::string::npos);
  EXPECT_EQ(md.find("carries no per-component sensitivities"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir.path() / "tables" / "components.csv"));
  for (const auto& p : sweep.summary["per_preset"])
    EXPECT_NE(md.find(p["preset"].get<std::string>()), std::string::npos) << p["preset"];
}

TEST(RunProcess, KillsAtTheTimeout) {
  const auto r = run_process({"/bin/sleep", "30"}, 0.2);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_status, 128 + 9);
  const auto ok = run_process({"/bin/sh", "-c", "echo out; echo err >&2; exit 4"}, 30);
  EXPECT_FALSE(ok.timed_out);
  EXPECT_EQ(ok.exit_status, 4);
  EXPECT_EQ(ok.output, "out\nerr\n");
  EXPECT_THROW(run_process({"/nonexistent/program"}, 1), Error);
}

TEST(ReportInputsTest, BadInputNamesTheFileAndLine) {
  TempDir dir;
  std::ofstream(dir.path() / "results.jsonl") << "{\"key\":\"a\",\"config\":{},\"metrics\":"
                                                 "{\"energy_per_unit_uj\":1}}\nnot json\n";
  std::ofstream(dir.path() / "summary.json") << "{\"kind\":\"sweep_summary\",\"per_preset\":[]}";
  try {
    load_sweep_results(dir.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("results.jsonl:2"), std::string::npos) << e.what();
  }
  TempDir empty;
  EXPECT_THROW(load_report_inputs({empty.path()}), Error);
  EXPECT_THROW(parse_formats("md,pdf"), Error);
  EXPECT_EQ(parse_formats("csv,md"), (std::set<std::string>{"csv", "md"}));
}

}  // namespace
}  // namespace erg::reports
