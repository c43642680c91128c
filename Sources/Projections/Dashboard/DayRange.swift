import Domain
import Foundation

/// The calendar days of a `from`–`to` range (`YYYY-MM-DD`), at most `DayRange.maxDays`, and a
/// day's bounds in log time for a time zone.
struct DayRange {
    static let maxDays = 92

    let from: String
    let to: String
    /// Every day from `from` to `to`, oldest first.
    let days: [String]

    init(from: String, to: String) throws(DashboardQueryError) {
        let first = try Self.epochDay(from, parameter: "from")
        let last = try Self.epochDay(to, parameter: "to")
        guard first <= last else {
            throw DashboardQueryError(parameter: "to", message: "to (\(to)) is before from (\(from))")
        }
        guard last - first < Int64(Self.maxDays) else {
            throw DashboardQueryError(
                parameter: "to", message: "a range covers at most \(Self.maxDays) days; ask for a shorter one")
        }
        (self.from, self.to) = (from, to)
        days = (first...last).map(Self.text)
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` day.
    static func epochDay(_ day: String, parameter: String) throws(DashboardQueryError) -> Int64 {
        let parts = day.split(separator: "-", omittingEmptySubsequences: false)
        guard day.utf8.count == 10, parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
            let year = Int64(parts[0]), let month = Int64(parts[1]), let date = Int64(parts[2]),
            parts[0].count == 4, parts[1].count == 2, parts[2].count == 2, (1...12).contains(month), date >= 1
        else {
            throw DashboardQueryError(parameter: parameter, message: "\(parameter) must be a date, YYYY-MM-DD")
        }
        let days = LogTime.days(year: year, month: month, day: date)
        guard text(days) == day else {
            throw DashboardQueryError(parameter: parameter, message: "\(day) is not a day of the calendar")
        }
        return days
    }

    static func text(_ epochDay: Int64) -> String {
        let (year, month, day) = LogTime.civil(days: epochDay)
        return String(repeating: "0", count: max(0, 4 - String(year).count)) + "\(year)-"
            + (month < 10 ? "0" : "") + "\(month)-" + (day < 10 ? "0" : "") + "\(day)"
    }

    /// The log times (ms) of `day` in `zone`: from its first millisecond, to the next day's first.
    static func bounds(_ day: String, zone: String, parameter: String = "day") throws(DashboardQueryError)
        -> Range<Int64>
    {
        let epoch = try epochDay(day, parameter: parameter)
        guard zone != "UTC" else { return (epoch * 86_400_000)..<((epoch + 1) * 86_400_000) }
        guard let timeZone = TimeZone(identifier: zone) else {
            throw DashboardQueryError(parameter: "tz", message: "\(zone) is not a known time zone")
        }
        return start(of: epoch, timeZone)..<start(of: epoch + 1, timeZone)
    }

    /// The first millisecond of local day `epochDay` in `zone` (the offset at local midnight).
    private static func start(of epochDay: Int64, _ zone: TimeZone) -> Int64 {
        let midnight = epochDay * 86_400_000
        // The offset at UTC midnight of that date, then again at the local midnight it gives.
        var offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(midnight) / 1000))) * 1000
        offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(midnight - offset) / 1000))) * 1000
        return midnight - offset
    }
}
