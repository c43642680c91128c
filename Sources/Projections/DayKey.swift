import Domain
import Foundation

/// Calendar days and minutes of log times, computed without allocating (they run per event).
enum DayKey {
    /// `YYYY-MM-DD` of `milliseconds` shifted by `offsetSeconds`.
    static func day(milliseconds: Int64, offsetSeconds: Int) -> String {
        let seconds = milliseconds / 1000 + Int64(offsetSeconds)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let (year, month, day) = LogTime.civil(days: days)
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    /// Minutes since the epoch.
    static func minute(milliseconds: Int64) -> Int64 {
        milliseconds >= 0 ? milliseconds / 60_000 : (milliseconds - 59_999) / 60_000
    }

    /// The UTC offset of `zone` at `milliseconds` (0 for UTC or an unknown zone).
    static func offset(zone: TimeZone?, milliseconds: Int64) -> Int {
        zone?.secondsFromGMT(for: Date(timeIntervalSince1970: Double(milliseconds) / 1000)) ?? 0
    }
}

/// The days a projection counts a time on: its UTC day, and its day in the reporting time zone
/// when that is another zone (metrics, the template funnel).
struct ReportingDays: Sendable {
    let reportingTimeZone: String
    private let zone: TimeZone?

    init(_ reportingTimeZone: String) {
        self.reportingTimeZone = reportingTimeZone
        zone = reportingTimeZone == "UTC" ? nil : TimeZone(identifier: reportingTimeZone)
    }

    func days(_ time: Int64) -> [(day: String, zone: String)] {
        var days = [(DayKey.day(milliseconds: time, offsetSeconds: 0), "UTC")]
        if let zone {
            let offset = DayKey.offset(zone: zone, milliseconds: time)
            days.append((DayKey.day(milliseconds: time, offsetSeconds: offset), reportingTimeZone))
        }
        return days
    }
}
