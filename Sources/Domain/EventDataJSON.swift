public import EventStore
import Foundation

/// An event's payload as JSON, the one rule `replay --format jsonl` prints in `"data"` and the
/// recent-events projection keeps: verbatim when the payload parses as JSON (as every known type
/// writes it), otherwise wrapped so an unknown producer's bytes still show.
public enum EventDataJSON {
    /// The payload as JSON text; with `includeRaw`, the raw attachment (a webhook body) is added
    /// as `"raw"` (or `"raw_base64"`).
    public static func render(_ event: RecordedEvent, includeRaw: Bool = false) -> String {
        let parsed = try? JSONSerialization.jsonObject(with: Data(event.data), options: [.fragmentsAllowed])
        let raw = includeRaw && !event.attachment.isEmpty
        if !raw, parsed != nil { return String(decoding: event.data, as: UTF8.self) }
        var object: [String: Any] = (parsed as? [String: Any]) ?? [:]
        if parsed == nil && !event.data.isEmpty {
            if let text = String(validating: event.data, as: UTF8.self) {
                object["undecoded_text"] = text
            } else {
                object["undecoded_base64"] = Data(event.data).base64EncodedString()
            }
        } else if parsed != nil && !(parsed is [String: Any]) {
            object["value"] = parsed
        }
        if raw {
            if let text = String(validating: event.attachment, as: UTF8.self) {
                object["raw"] = text
            } else {
                object["raw_base64"] = Data(event.attachment).base64EncodedString()
            }
        }
        let encoded = try? JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return encoded.map { String(decoding: $0, as: UTF8.self) } ?? base64JSON(event, raw: raw)
    }

    /// The payload (and the raw bytes) as base64, should Foundation fail to write back what it read
    /// (no input found does: it refuses `1e400` on reading): every byte shown, never `{}` in its place.
    static func base64JSON(_ event: RecordedEvent, raw: Bool) -> String {
        var json = "{\"undecoded_base64\":\"\(Data(event.data).base64EncodedString())\""
        if raw { json += ",\"raw_base64\":\"\(Data(event.attachment).base64EncodedString())\"" }
        return json + "}"
    }
}
