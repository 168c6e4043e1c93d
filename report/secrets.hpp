#pragma once
// The secrets this process holds: access tokens, client secrets, identity headers, assertions.
// Everything that leaves the process (rendered reports and metrics, messages on stdout/stderr)
// passes through scrub(), so a server that echoes a secret back in an error body cannot carry it
// into the output. Values are remembered as they are read, before any request is sent.
#include <string>
#include <string_view>

namespace vnetdiag::secrets {

inline constexpr std::string_view kRedacted = "[redacted]";

// Values shorter than 8 characters are ignored: they could be anything ("1", "true").
void remember(std::string_view secret);

// For fuzz targets and tests: one input's secrets must not pile up over millions of inputs.
void forget_all();

// `text` with every remembered secret (and its URL-encoded form) replaced by kRedacted.
std::string scrub(std::string text);

}  // namespace vnetdiag::secrets
