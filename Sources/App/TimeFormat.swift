import Domain
import Foundation

/// RFC 3339 times with milliseconds, in UTC.
enum TimeFormat {
    static func rfc3339(milliseconds: Int64) -> String { LogTime.rfc3339(milliseconds: milliseconds) }

    /// Parses an RFC 3339 time (`2026-11-24T20:11:31Z`, fractional seconds and offsets allowed).
    static func parse(_ text: String) -> Int64? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        guard let date = withFraction.date(from: text) ?? plain.date(from: text) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
