/// Times as the contract writes them: RFC 3339 in UTC with milliseconds, `2026-11-29T22:21:15.123Z`.
enum DashboardTime {
    static func text(milliseconds: Int64) -> String {
        let (days, rest) = floorDivision(milliseconds, 86_400_000)
        let clock = Int(rest)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = clock % 1000
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return DayRange.text(Int(days)) + "T" + two(clock / 3_600_000) + ":" + two(clock / 60_000 % 60) + ":"
            + two(clock / 1000 % 60) + "." + fraction + "Z"
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = ((value % divisor) + divisor) % divisor
        return ((value - remainder) / divisor, remainder)
    }
}
