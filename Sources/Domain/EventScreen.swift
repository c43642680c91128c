public import EventStore

/// The one rule for events a consumer (a projection, the saga, `replay`) cannot use, with the
/// reason recorded beside the event's position when it is skipped. Everything else goes on.
public enum EventScreen {
    /// Log times (ms) believed: from the epoch to the end of year 9999. The writer stamps events
    /// from the clock; anything else came from damaged or crafted files, and scaling it could
    /// overflow.
    public static let plausibleLogTime: ClosedRange<Int64> = 0...253_402_300_799_999

    /// Why no fold can use `event`, or `nil` when it may be applied.
    public static func problem(_ event: RecordedEvent) -> String? {
        guard plausibleLogTime.contains(event.timestamp) else {
            return "log time \(event.timestamp) ms is not a plausible time"
        }
        return nil
    }

    /// Why a fold that knows `fact`'s types did not apply it: an unknown type or an undecodable
    /// payload (`nil` when the fact decoded).
    public static func problem(_ event: RecordedEvent, _ fact: DomainFact) -> String? {
        if let problem = problem(event) { return problem }
        switch fact {
        case .unknownType:
            return "unknown event type \(printable(event.type)) (version \(event.version))"
        case .undecodable:
            return "payload does not decode as \(printable(event.type)) version \(event.version)"
        default:
            return nil
        }
    }

    /// At most 64 characters of `text`, control and bidirectional characters escaped: what a
    /// reason may quote of data it does not trust.
    public static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(64) {
            if ControlCharacters.isUnsafe(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return text.unicodeScalars.count > 64 ? out + "…" : out
    }
}

/// Characters that must not reach a terminal or a log line as they are: C0 and C1 controls,
/// DEL, and the bidirectional overrides and isolates that can make text read differently.
public enum ControlCharacters {
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C: return true
        default: return false
        }
    }

    /// `text` with every unsafe character written as `\u{XX}` (and `\` as `\\`), for a terminal.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0) || $0 == "\\" }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if isUnsafe(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
