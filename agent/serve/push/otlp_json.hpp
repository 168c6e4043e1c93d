#pragma once
// serve's snapshot as OTLP/HTTP JSON request bodies: the metrics of /metrics
// (ExportMetricsServiceRequest, POST {base}/v1/metrics) and one span per check
// (ExportTraceServiceRequest, POST {base}/v1/traces).
//
// Encoding: the OTLP specification's "JSON Protobuf Encoding" (open-telemetry/opentelemetry-proto
// docs/specification.md): proto3 JSON with lowerCamelCase field names, traceId/spanId as hex
// strings (not base64), 64-bit integers as decimal strings, enums as integers. Messages from
// opentelemetry/proto/{metrics,trace,common,resource}/v1/*.proto: ResourceMetrics{resource,
// scopeMetrics[{scope, metrics[{name, description, unit, gauge|sum}]}]}, NumberDataPoint{
// attributes, startTimeUnixNano, timeUnixNano, asDouble|asInt}, Sum{dataPoints,
// aggregationTemporality (2 = CUMULATIVE), isMonotonic}, Span{traceId, spanId, parentSpanId, name,
// kind (1 = INTERNAL), startTimeUnixNano, endTimeUnixNano, attributes, status{code (1 OK,
// 2 ERROR), message}}, KeyValue{key, value: AnyValue{stringValue|intValue|arrayValue{values}}}.
#include <map>
#include <string>

#include "serve_snapshot.hpp"

namespace vnetdiag::push {

// OpenTelemetry resource attributes (service.name, service.instance.id, service.version);
// empty values are left out.
using ResourceAttributes = std::map<std::string, std::string>;

// The snapshot's metric families: gauges and info metrics as Gauge (asDouble), counters as a
// monotonic cumulative Sum (asInt) starting at start_unix_ns. target_info is left out (its
// labels are the resource). Attributes are the Prometheus labels.
std::string otlp_metrics_json(const Snapshot& snapshot, const ResourceAttributes& resource,
                              uint64_t start_unix_ns);

// Span ids are random bytes; hex text, lower case, of 16 (trace) and 8 (span) bytes.
std::string random_hex(std::size_t bytes);

// One span "vnetdiag.check" for the last check (status ERROR when its verdict is critical or
// unknown, or it could not run) and one child "vnetdiag.target" per configured target.
std::string otlp_trace_json(const Snapshot& snapshot, const ResourceAttributes& resource,
                            const std::string& trace_id, const std::string& span_id);

// Unix seconds as nanoseconds, as OTLP JSON writes a fixed64: decimal text.
std::string unix_nanos_text(double unix_s);

}  // namespace vnetdiag::push
