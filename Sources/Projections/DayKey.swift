import Foundation

/// Calendar days and minutes of log times, computed without allocating (they run per event).
enum DayKey {
    /// `YYYY-MM-DD` of `milliseconds` shifted by `offsetSeconds`.
    static func day(milliseconds: Int64, offsetSeconds: Int) -> String {
        let seconds = milliseconds / 1000 + Int64(offsetSeconds)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
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
