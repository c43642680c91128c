public import Domain

/// Meta's `timestamp` fields read at the edge, by `WebhookTime`'s rule of which times are believed.
extension WebhookTime {
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
