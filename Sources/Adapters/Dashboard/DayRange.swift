import Foundation

/// The days a metrics or templates answer covers: `?day=YYYY-MM-DD` (default: today), or
/// `?from=&to=` (at most `maxDays`, from ≤ to), in `?tz=` (UTC, the default, or the service's
/// reporting time zone: the projections count days in those two only).
public struct DayRange: Sendable, Equatable {
    public let zone: String
    public let from: String
    public let to: String
    /// Every day from `from` to `to`, oldest first.
    public var days: [String] {
        (Self.ordinal(from)!...Self.ordinal(to)!).map(Self.text)
    }
    /// No day was named: the answer is about today, and changes when the day does.
    let isToday: Bool

    public static let maxDays = 92

    init(zone: String, from: String, to: String, isToday: Bool = false) {
        (self.zone, self.from, self.to, self.isToday) = (zone, from, to, isToday)
    }

    /// Reads `day`, `from`, `to` and `tz` of `query`; `now` (ms) says which day is today.
    static func parse(_ query: QueryParameters, reportingZone: String, now: Int64) throws(DashboardError) -> DayRange {
        let zone = try Self.zone(query["tz"], reportingZone: reportingZone)
        let day = try query["day"].map { text throws(DashboardError) in try Self.day(text, "day") }
        let from = try query["from"].map { text throws(DashboardError) in try Self.day(text, "from") }
        let to = try query["to"].map { text throws(DashboardError) in try Self.day(text, "to") }
        switch (day, from, to) {
        case (nil, nil, nil):
            let today = Self.today(zone: zone, now: now)
            return DayRange(zone: zone, from: today, to: today, isToday: true)
        case (let day?, nil, nil):
            return DayRange(zone: zone, from: day, to: day)
        case (_?, _, _):
            throw .badParameter("day", "give either day or from and to, not both")
        case (nil, nil, _?):
            throw .badParameter("from", "from is missing: give from and to (YYYY-MM-DD) for a range")
        case (nil, _?, nil):
            throw .badParameter("to", "to is missing: give from and to (YYYY-MM-DD) for a range")
        case (nil, let from?, let to?):
            let (first, last) = (ordinal(from)!, ordinal(to)!)
            guard first <= last else { throw .badParameter("from", "from must be on or before to") }
            guard last - first < maxDays else {
                throw .badParameter("to", "the range is \(last - first + 1) days; ask at most \(maxDays) at a time")
            }
            return DayRange(zone: zone, from: from, to: to)
        }
    }

    /// `?tz=`: UTC (default) or the reporting zone; a zone that does not exist or is not
    /// reported is refused, saying which are.
    static func zone(_ text: String?, reportingZone: String) throws(DashboardError) -> String {
        guard let text else { return "UTC" }
        if text == "UTC" || text == reportingZone { return text }
        let reported = reportingZone == "UTC" ? "UTC" : "UTC and \(reportingZone)"
        guard text.count <= 64, TimeZone(identifier: text) != nil else {
            throw .badParameter(
                "tz", "there is no time zone named \"\(text.prefix(64))\"; this server reports \(reported)")
        }
        throw .badParameter(
            "tz",
            "days are not counted in \(text) here; this server reports \(reported) "
                + "(the reporting zone is a setting of the service)")
    }

    /// A `YYYY-MM-DD` that is a real date, from 2000 to 2100.
    static func day(_ text: String, _ name: String) throws(DashboardError) -> String {
        guard ordinal(text) != nil else {
            throw .badParameter(name, "\(name) must be a date written YYYY-MM-DD, from 2000-01-01 to 2100-12-31")
        }
        return text
    }

    static func today(zone: String, now: Int64) -> String {
        let offset =
            zone == "UTC"
            ? 0 : TimeZone(identifier: zone)?.secondsFromGMT(for: Date(timeIntervalSince1970: Double(now) / 1000)) ?? 0
        let seconds = now / 1000 + Int64(offset)
        return text(Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400))
    }

    /// Days since 1970-01-01 of a valid `YYYY-MM-DD` (2000–2100), else `nil`.
    static func ordinal(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (2000...2100).contains(year), (1...12).contains(month)
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...lengths[month - 1]).contains(day) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DD` of a day since 1970-01-01.
    static func text(_ ordinal: Int) -> String {
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
