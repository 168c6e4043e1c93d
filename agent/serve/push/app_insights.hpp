#pragma once
// Application Insights availability results without an SDK: the connection string and one
// AvailabilityData envelope per target per check, POSTed as a JSON array to
// <IngestionEndpoint>/v2/track. They land in the AppAvailabilityResults table and the
// Availability blade (as CUSTOM tests), so the app's own App Insights shows private-link health.
//
// Connection string: key=value pairs separated by ';', keys case-insensitive
// (learn.microsoft.com azure-monitor/app/connection-strings: InstrumentationKey, IngestionEndpoint,
// EndpointSuffix, Location; without an endpoint, https://dc.services.visualstudio.com).
// Envelope (the Application Insights data contracts, as microsoft/ApplicationInsights-JS writes
// them: envelopeType "Microsoft.ApplicationInsights.{0}.Availability" with {0} the key without
// dashes, AvailabilityData{ver 2, id, name, duration "d.hh:mm:ss.fff", success, runLocation,
// message, properties}).
//
// The instrumentation key is a credential: errors never show it.
#include <string>

#include "result.hpp"
#include "serve_snapshot.hpp"

namespace vnetdiag::push {

struct AppInsightsTarget {
  std::string instrumentation_key;  // as given (a GUID)
  std::string track_url;            // <ingestion endpoint>/v2/track, https only
};

// A connection string, or why it cannot be used (never quoting the key).
Result<AppInsightsTarget> parse_connection_string(const std::string& text);

struct AvailabilityContext {
  std::string instance;  // run location and ai.cloud.roleInstance (WEBSITE_INSTANCE_ID)
  std::string site;      // ai.cloud.role (WEBSITE_SITE_NAME)
  std::string version;
};

// The JSON array of envelopes: one per configured target of the snapshot (none before the first
// check). success: the target has no critical or unknown finding (probe_success).
std::string availability_envelopes(const Snapshot& snapshot, const std::string& instrumentation_key,
                                   const AvailabilityContext& context);

// 0.1234 s as "00:00:00.123" (TimeSpan text; days as "d." when there are any).
std::string timespan_text(double seconds);
// A random version-4 UUID.
std::string random_uuid();

}  // namespace vnetdiag::push
