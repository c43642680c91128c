/// The events `LogRepair` writes at positions whose batch was damaged, so that the log stays
/// gapless and nothing after them is renumbered. Readers and projections see an event of an
/// unknown type (`log.quarantined`); its data names the quarantine file and the reason.
enum PlaceholderEvents {
    static let type = "log.quarantined"
    /// Placeholders per batch (a few hundred KiB before compression; they compress very well).
    static let perBatch: UInt64 = 4096

    /// Batch frames holding one placeholder for each of `positions`, recorded at `timestamp`.
    static func frames(
        for positions: ClosedRange<UInt64>, timestamp: Int64, segment: String, offset: Int64, bytes: Int64,
        quarantineFile: String?, reason: String
    ) -> [UInt8] {
        var fields = [
            "\"segment\":\(json(segment))", "\"offset\":\(offset)", "\"bytes\":\(bytes)", "\"reason\":\(json(reason))",
        ]
        if let quarantineFile { fields.append("\"quarantine\":\(json(quarantineFile))") }
        let event = NewEvent(type: type, stream: "", data: Array(("{" + fields.joined(separator: ",") + "}").utf8))
        let encoder = BatchEncoder(dictionary: [], level: 0)
        var out: [UInt8] = []
        var base = positions.lowerBound
        while base <= positions.upperBound {
            let count = min(perBatch, positions.upperBound - base + 1)
            let events = [NewEvent](repeating: event, count: Int(count))
            encoder.appendFrame(events, timestamp: timestamp, basePosition: base, to: &out)
            if positions.upperBound - base < count { break }
            base += count
        }
        return out
    }

    /// `text` as a JSON string literal.
    private static func json(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
