#pragma once
// The chain view: per target, the hops a request takes from the app to the service
//   app instance -> resolver(s) -> CNAME chain -> private endpoint -> network (TCP/TLS) -> service
// each green (nothing wrong), amber (a warning), red (critical) or grey (not reached), with the
// evidence in the hop's tooltip (SVG <title>) and, under the picture, in <details> to click open;
// the ARM resource and property at fault are written on the hop when a finding names them.
// One self-contained page: inline CSS and SVG, no script, nothing fetched (a CSP says so).
#include <string>

#include "model.hpp"

namespace vnetdiag {

std::string render_html(const Report& report);
// The picture alone, for a ticket.
std::string render_svg(const Report& report);

}  // namespace vnetdiag
