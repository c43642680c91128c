import Domain
import EventStore
import Foundation

/// Formats events for `replay`: one JSON object per line, or a line of text.
struct EventPrinter {
    enum Format: String, CaseIterable {
        case jsonl
        case text
    }

    var format: Format
    var includeRaw: Bool

    func line(for event: RecordedEvent) -> String {
        switch format {
        case .jsonl: return Self.terminalSafe(json: jsonLine(event))
        case .text: return textLine(event)
        }
    }

    private func jsonLine(_ event: RecordedEvent) -> String {
        var line = "{\"position\":\(event.position),\"type\":\(quoted(event.type)),\"version\":\(event.version),"
        line += "\"time\":\"\(TimeFormat.rfc3339(milliseconds: event.timestamp))\",\"stream\":\(quoted(event.stream)),"
        line += "\"data\":\(dataJSON(event))"
        if let skipped = skipReason(event) { line += ",\"skipped\":\(quoted(skipped))" }
        return line + "}"
    }

    /// Why the projections and the saga skip this event (the same rule they apply), if they do.
    private func skipReason(_ event: RecordedEvent) -> String? {
        EventScreen.problem(event, DomainFact(event))
    }

    /// The payload as JSON: verbatim when it is a JSON object (as every known type writes it),
    /// otherwise wrapped so an unknown producer's bytes still print.
    private func dataJSON(_ event: RecordedEvent) -> String {
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
        return encoded.map { String(decoding: $0, as: UTF8.self) } ?? Self.base64JSON(event, raw: raw)
    }

    /// The payload (and the raw bytes) as base64, should Foundation fail to write back what it read
    /// (no input found does: it refuses `1e400` on reading): every byte shown, never `{}` in its place.
    static func base64JSON(_ event: RecordedEvent, raw: Bool) -> String {
        var json = "{\"undecoded_base64\":\"\(Data(event.data).base64EncodedString())\""
        if raw { json += ",\"raw_base64\":\"\(Data(event.attachment).base64EncodedString())\"" }
        return json + "}"
    }

    /// JSON text with every control or bidirectional character written as a `\uXXXX` escape: the
    /// same JSON value, but nothing a terminal would act on. (They can only stand inside strings.)
    static func terminalSafe(json: String) -> String {
        guard json.unicodeScalars.contains(where: ControlCharacters.isUnsafe) else { return json }
        var out = ""
        for scalar in json.unicodeScalars {
            if ControlCharacters.isUnsafe(scalar) {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Type and stream come from the data: escaped, like the JSON, so that nothing in an event can
    /// move the cursor, clear the screen or reorder what a person reads.
    private func textLine(_ event: RecordedEvent) -> String {
        var line = "#\(event.position) \(TimeFormat.rfc3339(milliseconds: event.timestamp)) "
        line += ControlCharacters.escaped(event.type)
        if event.version != 1 { line += " v\(event.version)" }
        line += " [\(ControlCharacters.escaped(event.stream))] " + Self.terminalSafe(json: dataJSON(event))
        if !includeRaw && !event.attachment.isEmpty { line += " (+\(event.attachment.count) raw bytes)" }
        if let skipped = skipReason(event) { line += " (skipped: \(ControlCharacters.escaped(skipped)))" }
        return line
    }

    private func quoted(_ text: String) -> String {
        let data = try? JSONSerialization.data(
            withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
