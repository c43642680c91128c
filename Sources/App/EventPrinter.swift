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

    /// The payload as JSON, by the rule the recent-events projection shares (`EventDataJSON`).
    private func dataJSON(_ event: RecordedEvent) -> String {
        EventDataJSON.render(event, includeRaw: includeRaw)
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
