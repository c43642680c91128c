/// The one rule for Meta's webhook timestamps (Unix seconds, sent as text or as a number):
/// only times between 2000 and 2100 are believed. Anything else is kept raw beside the fact and
/// never scaled, so no stored value can overflow a conversion to milliseconds.
public enum WebhookTime {
    /// 2000-01-01T00:00:00Z ..< 2100-01-01T00:00:00Z, in seconds.
    public static let plausibleSeconds: Range<Int64> = 946_684_800..<4_102_444_800
    /// The most characters of an implausible timestamp kept raw.
    public static let maxRawLength = 64

    /// Milliseconds since the epoch of `seconds`, or `nil` when it is not a plausible time
    /// (0, meaning unknown, included).
    public static func milliseconds(fromSeconds seconds: Int64) -> Int64? {
        plausibleSeconds.contains(seconds) ? seconds * 1000 : nil
    }

    /// A timestamp as parsed at the edge: `seconds` when plausible (else 0, unknown), and the
    /// value as sent when it was present but not a plausible time.
    public struct Parsed: Sendable, Equatable {
        public var seconds: Int64
        public var raw: String?
    }

    /// Parses the JSON value of a `timestamp` field: absent gives 0 with nothing raw.
    static func parse(_ value: JSONValue?) -> Parsed {
        guard let value, !value.isNull else { return Parsed(seconds: 0, raw: nil) }
        let seconds: Int64?
        let text: String
        switch value {
        case .string(let string):
            seconds = Int64(string)
            text = string
        case .number(let double, let exact):
            seconds = exact ?? Int64(exactly: double)
            text = exact.map(String.init) ?? String(double)
        default:
            seconds = nil
            text = "(not a number)"
        }
        if let seconds, plausibleSeconds.contains(seconds) { return Parsed(seconds: seconds, raw: nil) }
        return Parsed(seconds: 0, raw: String(text.prefix(maxRawLength)))
    }
}
