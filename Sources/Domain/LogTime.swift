import Foundation

/// Log times (milliseconds since the epoch) written as RFC 3339 UTC times with milliseconds,
/// `2026-11-29T22:21:15.123Z`: what `replay` prints and every dashboard answer carries.
public enum LogTime {
    public static func rfc3339(milliseconds: Int64) -> String {
        guard EventScreen.plausibleLogTime.contains(milliseconds) else { return slowRFC3339(milliseconds) }
        let (seconds, millis) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (days, second) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (year, month, day) = civil(days: days)
        var text = ""
        text.reserveCapacity(24)
        pad(&text, year, 4)
        text += "-"
        pad(&text, month, 2)
        text += "-"
        pad(&text, day, 2)
        text += "T"
        pad(&text, second / 3600, 2)
        text += ":"
        pad(&text, second / 60 % 60, 2)
        text += ":"
        pad(&text, second % 60, 2)
        text += "."
        pad(&text, millis, 3)
        text += "Z"
        return text
    }

    /// `YYYY-MM-DD` of `days` since 1970-01-01 (Howard Hinnant's civil_from_days).
    public static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func pad(_ text: inout String, _ value: Int64, _ width: Int) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }

    /// Times outside years 1970–9999 (only damaged or crafted logs hold them), through the C library.
    private static func slowRFC3339(_ milliseconds: Int64) -> String {
        let seconds = Int(milliseconds.quotientAndRemainder(dividingBy: 1000).quotient)
        let millis = Int(((milliseconds % 1000) + 1000) % 1000)
        var time = time_t(milliseconds >= 0 || millis == 0 ? seconds : seconds - 1)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
}
