//! OTLP/HTTP's JSON encoding of a trace (`ExportTraceServiceRequest`): ids as lowercase
//! hex, 64-bit times as decimal strings, as the OTLP spec's JSON mapping says.

use super::{AttrValue, SpanData, SpanStatus};
use serde_json::{json, Value};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn any_value(value: &AttrValue) -> Value {
    match value {
        AttrValue::Str(s) => json!({ "stringValue": s }),
        AttrValue::Bool(b) => json!({ "boolValue": b }),
        AttrValue::Int(i) => json!({ "intValue": i.to_string() }),
        AttrValue::StrList(items) => json!({
            "arrayValue": { "values": items.iter().map(|s| json!({ "stringValue": s })).collect::<Vec<_>>() }
        }),
    }
}

fn attributes<'a>(attrs: impl IntoIterator<Item = (&'a str, &'a AttrValue)>) -> Value {
    Value::Array(
        attrs
            .into_iter()
            .map(|(k, v)| json!({ "key": k, "value": any_value(v) }))
            .collect(),
    )
}

fn span(span: &SpanData) -> Value {
    let mut out = json!({
        "traceId": hex(&span.trace_id),
        "spanId": hex(&span.span_id),
        "name": span.name,
        "kind": 1, // SPAN_KIND_INTERNAL
        "startTimeUnixNano": span.start_unix_nanos.to_string(),
        "endTimeUnixNano": span.end_unix_nanos.to_string(),
        "attributes": attributes(span.attributes.iter().map(|(k, v)| (k.as_str(), v))),
    });
    if let Some(parent) = span.parent_span_id {
        out["parentSpanId"] = Value::String(hex(&parent));
    }
    if let SpanStatus::Error(message) = &span.status {
        out["status"] = json!({ "code": 2, "message": message }); // STATUS_CODE_ERROR
    }
    out
}

/// The OTLP/HTTP JSON body (`POST <endpoint>/v1/traces`, `Content-Type:
/// application/json`) for `spans`, under a resource with `resource` attributes (Python
/// `ops-tracing` sets `service.name` to the app, `juju_unit`, `charm`...).
pub fn encode(resource: &[(&str, String)], spans: &[SpanData]) -> Vec<u8> {
    let resource_attrs: Vec<(&str, AttrValue)> = resource
        .iter()
        .map(|(k, v)| (*k, AttrValue::Str(v.clone())))
        .collect();
    let body = json!({
        "resourceSpans": [{
            "resource": { "attributes": attributes(resource_attrs.iter().map(|(k, v)| (*k, v))) },
            "scopeSpans": [{
                "scope": { "name": "ops", "version": env!("CARGO_PKG_VERSION") },
                "spans": spans.iter().map(span).collect::<Vec<_>>(),
            }],
        }],
    });
    // A `Value` of strings, numbers and arrays always serialises.
    serde_json::to_vec(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_ids_times_parent_status_and_attributes_as_the_otlp_json_mapping_says() {
        let spans = vec![SpanData {
            trace_id: [0xab; 16],
            span_id: [1, 2, 3, 4, 5, 6, 7, 8],
            parent_span_id: Some([0xff; 8]),
            name: "config-get".into(),
            start_unix_nanos: 1_700_000_000_000_000_001,
            end_unix_nanos: 1_700_000_000_000_000_999,
            attributes: vec![
                (
                    "args".into(),
                    AttrValue::StrList(vec!["--format=json".into()]),
                ),
                ("deferred".into(), AttrValue::Bool(false)),
                ("n".into(), AttrValue::Int(-3)),
            ],
            status: SpanStatus::Error("boom".into()),
        }];
        let body: Value =
            serde_json::from_slice(&encode(&[("service.name", "demo".into())], &spans)).unwrap();
        let rs = &body["resourceSpans"][0];
        assert_eq!(
            rs["resource"]["attributes"][0],
            json!({"key": "service.name", "value": {"stringValue": "demo"}})
        );
        let s = &rs["scopeSpans"][0]["spans"][0];
        assert_eq!(s["traceId"], "abababababababababababababababab");
        assert_eq!(s["spanId"], "0102030405060708");
        assert_eq!(s["parentSpanId"], "ffffffffffffffff");
        assert_eq!(s["startTimeUnixNano"], "1700000000000000001");
        assert_eq!(s["endTimeUnixNano"], "1700000000000000999");
        assert_eq!(s["status"], json!({"code": 2, "message": "boom"}));
        assert_eq!(
            s["attributes"],
            json!([
                {"key": "args", "value": {"arrayValue": {"values": [{"stringValue": "--format=json"}]}}},
                {"key": "deferred", "value": {"boolValue": false}},
                {"key": "n", "value": {"intValue": "-3"}},
            ])
        );
    }

    #[test]
    fn a_root_span_has_no_parent_and_an_ok_span_no_status() {
        let spans = vec![SpanData {
            trace_id: [0; 16],
            span_id: [0; 8],
            parent_span_id: None,
            name: "ops.main".into(),
            start_unix_nanos: 1,
            end_unix_nanos: 2,
            attributes: vec![],
            status: SpanStatus::Unset,
        }];
        let body: Value = serde_json::from_slice(&encode(&[], &spans)).unwrap();
        let s = &body["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert!(s.get("parentSpanId").is_none());
        assert!(s.get("status").is_none());
    }
}
