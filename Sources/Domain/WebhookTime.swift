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
}
