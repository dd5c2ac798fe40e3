#include <iostream>

#include "cli/arg_parser.hpp"
#include "cli/command.hpp"
#include "core/error.hpp"
#include "reports/report.hpp"

namespace erg::cli {
namespace {

constexpr const char* kUsage = "erg report DIR... [-o OUT] [--format md,html,csv,json] [--json]";

int run_report(std::span<const std::string> args) {
  ArgParser parser(kUsage,
                   "Turns a sweep output directory (results.jsonl, summary.json) and/or profile "
                   "runs (erg profile -o DIR, with its --json output saved as DIR/profile.json) "
                   "into report.md, a self-contained report.html, CSV tables, report.json and "
                   "every figure as PNG and SVG. Figures are drawn by scripts/plots/*.py with "
                   "/usr/bin/python3 (or $ERG_PYTHON); without matplotlib the tables are still "
                   "written and the report says why the figures are missing.");
  parser.option("o", "OUT", "output directory (default DIR/report)")
      .option("format", "LIST", "formats to write: md,html,csv,json (default all)")
      .flag("json", "print the report summary as JSON")
      .positionals("DIR", 1, -1, "a sweep output directory and/or profile run directories");
  const auto parsed = parser.parse(args);
  if (parsed.help) {
    std::cout << parser.help();
    return 0;
  }
  reports::ReportOptions options;
  if (auto f = parsed.get("format")) {
    try {
      options.formats = reports::parse_formats(*f);
    } catch (const Error& e) {
      throw UsageError(e.what_text(), e.where());
    }
  }
  std::vector<std::filesystem::path> dirs(parsed.positionals.begin(), parsed.positionals.end());
  const std::filesystem::path out =
      parsed.get_or("o", (std::filesystem::path(parsed.positionals.front()) / "report").string());
  const auto inputs = reports::load_report_inputs(dirs);
  if (inputs.sweep) {
    for (const auto& w : inputs.sweep->warnings)
      std::cerr << "erg: warning: " << w << "\n";
  }
  const auto outcome = reports::write_report(inputs, out, options);
  if (parsed.has("json")) {
    std::cout << outcome.summary.dump(2) << "\n";
    return 0;
  }
  std::cout << "report written to " << out.string() << " (" << outcome.files.size() << " files)\n";
  for (const auto& f : outcome.figures) {
    if (f.png.empty())
      std::cout << "  figure " << f.name << " not drawn: " << f.missing_reason << "\n";
  }
  if (!outcome.figures_unavailable_reason.empty()) {
    std::cerr << "erg: warning: figures missing: " << outcome.figures_unavailable_reason
              << " (tables were written)\n";
  }
  return 0;
}

const CommandRegistrar kRegistrar({"report",
                                   "turn sweep results and profile runs into Markdown, HTML, CSV "
                                   "and JSON with figures",
                                   run_report});

}  // namespace
}  // namespace erg::cli
