#pragma once

#include <set>
#include <string>
#include <vector>

// A small HTML checker for the report tests: tags balance (void elements excepted), and nothing
// refers outside the document (no http(s) URLs, every src/href is a data: URI or a fragment).
namespace erg::reports::testing {

struct HtmlProblems {
  std::vector<std::string> items;
  bool ok() const { return items.empty(); }
};

inline HtmlProblems check_html(const std::string& html) {
  static const std::set<std::string> kVoid{"area",  "base", "br",   "col",    "embed", "hr", "img",
                                           "input", "link", "meta", "source", "track", "wbr"};
  HtmlProblems out;
  if (html.find("http://") != std::string::npos || html.find("https://") != std::string::npos) {
    out.items.push_back("refers to an http(s) URL");
  }
  std::vector<std::string> stack;
  std::size_t pos = 0;
  while ((pos = html.find('<', pos)) != std::string::npos) {
    const auto end = html.find('>', pos);
    if (end == std::string::npos) {
      out.items.push_back("unterminated tag at " + std::to_string(pos));
      break;
    }
    std::string tag = html.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.starts_with("!")) continue;  // <!DOCTYPE html>
    const bool closing = tag.starts_with("/");
    if (closing) tag.erase(0, 1);
    const auto name_end = tag.find_first_of(" \t\n/");
    const std::string name = tag.substr(0, name_end);
    for (const char* attr : {"src=\"", "href=\""}) {
      for (auto a = tag.find(attr); a != std::string::npos; a = tag.find(attr, a + 1)) {
        const auto value = tag.substr(a + std::string(attr).size(), 5);
        if (value != "data:" && !value.starts_with("#")) {
          out.items.push_back("<" + name + "> refers to an external file: " + tag.substr(a, 60));
        }
      }
    }
    if (kVoid.count(name)) continue;
    if (name == "style" || name == "script") {  // raw text up to the closing tag
      const auto close = html.find("</" + name + ">", pos);
      if (close == std::string::npos) {
        out.items.push_back("<" + name + "> never closed");
        break;
      }
      pos = close + name.size() + 3;
      continue;
    }
    if (!closing) {
      stack.push_back(name);
    } else if (stack.empty() || stack.back() != name) {
      out.items.push_back("</" + name + "> closes <" + (stack.empty() ? "nothing" : stack.back()) +
                          ">");
      break;
    } else {
      stack.pop_back();
    }
  }
  if (!stack.empty()) out.items.push_back("<" + stack.back() + "> never closed");
  return out;
}

}  // namespace erg::reports::testing
