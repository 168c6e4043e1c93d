#pragma once
// Small string helpers shared by the rules, renderers and parsers.
#include <string>
#include <string_view>
#include <vector>

namespace vnetdiag {

std::string lower(std::string_view s);
std::string trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string format_ms(double ms);  // "12.3"
// Text for XML, SVG and HTML: & < > " ' as entities; control characters XML 1.0 forbids even
// escaped (all but tab, newline, return) become '?'.
std::string xml_escape(const std::string& s);

}  // namespace vnetdiag
