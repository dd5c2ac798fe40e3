#include "tests/reports/html_check.hpp"

#include <gtest/gtest.h>

namespace erg::reports::testing {
namespace {

// The checker itself, on hand-written documents.
TEST(HtmlCheck, AcceptsBalancedSelfContainedHtml) {
  EXPECT_TRUE(check_html("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>a<b{}</style>"
                         "</head><body><p>x<br></p><img src=\"data:image/png;base64,AA==\">"
                         "<a href=\"#t\">t</a></body></html>")
                  .ok());
}

TEST(HtmlCheck, RejectsUnbalancedAndExternal) {
  EXPECT_FALSE(check_html("<html><body><p>x</body></html>").ok());
  EXPECT_FALSE(check_html("<html><body><div>x</div>").ok());
  EXPECT_FALSE(check_html("<html><body><img src=\"fig.png\"></body></html>").ok());
  EXPECT_FALSE(check_html("<html><body>see https://example.org</body></html>").ok());
}

}  // namespace
}  // namespace erg::reports::testing
