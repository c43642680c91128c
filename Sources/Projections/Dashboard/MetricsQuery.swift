import Domain
public import GRDB

extension Dashboard {
    /// `GET /api/webhook/metrics`: the days `from`…`to` (`YYYY-MM-DD`, at most 92) in `zone` (`UTC`
    /// or the reporting time zone the projections count in).
    public static func metrics(_ db: Database, from: String, to: String, zone: String) throws -> MetricsAnswer {
        let range = try DayRange(from: from, to: to)
        let single = from == to
        let sql =
            "SELECT day, dimension, metric, value FROM metrics_daily WHERE "
            + (single ? "day = ?" : "day BETWEEN ? AND ?") + " AND zone = ?"
        let arguments: StatementArguments = single ? [from, zone] : [from, to, zone]
        var perDay: [String: DayCounters] = [:]
        var total = DayCounters()
        try db.eachRow(sql, arguments) { row in
            let day = String(&row)
            let dimension = String(&row)
            let metric = String(&row)
            let value = Int(Int64(&row))
            perDay[day, default: DayCounters()].add(dimension, metric, value)
            if !single { total.add(dimension, metric, value) }
        }
        var days: [DayMetrics] = []
        for day in range.days {
            let latency = try LatencyQuery.figures(db, from: day, to: day, zone: zone)
            days.append((perDay[day] ?? DayCounters()).metrics(day: day, latency: latency))
        }
        var totals: DayMetrics
        if single {
            totals = days[0]
            totals.day = nil
        } else {
            try total.countUniqueClickers(db, from: from, to: to, zone: zone)
            totals = total.metrics(day: nil, latency: try LatencyQuery.figures(db, from: from, to: to, zone: zone))
        }
        return MetricsAnswer(zone: zone, from: from, to: to, totals: totals, days: days)
    }
}

/// A day's (or a range's) counters from `metrics_daily`.
private struct DayCounters {
    /// Metrics of all dimensions together (`dimension = ''`).
    var values: [String: Int] = [:]
    var payloadClicks: [String: Int] = [:]
    var payloadClickers: [String: Int] = [:]

    mutating func add(_ dimension: String, _ metric: String, _ value: Int) {
        if dimension.isEmpty {
            values[metric, default: 0] += value
        } else if metric == "button_clicks" {
            payloadClicks[dimension, default: 0] += value
        } else if metric == "unique_clickers" {
            payloadClickers[dimension, default: 0] += value
        }
    }

    /// Over several days, a contact who clicked on two of them is one unique clicker, not two.
    mutating func countUniqueClickers(_ db: Database, from: String, to: String, zone: String) throws {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT dimension, COUNT(DISTINCT contact) FROM metrics_clickers"
                + " WHERE day BETWEEN ? AND ? AND zone = ? GROUP BY dimension",
            arguments: [from, to, zone])
        values["unique_clickers"] = 0
        payloadClickers = [:]
        for row in rows {
            let (dimension, count): (String, Int) = (row[0], row[1])
            if dimension.isEmpty { values["unique_clickers"] = count } else { payloadClickers[dimension] = count }
        }
    }

    func metrics(day: String?, latency: LatencyFigures) -> DayMetrics {
        func value(_ metric: String) -> Int { values[metric] ?? 0 }
        let completed = value("deliveries_completed")
        let failed = value("deliveries_failed")
        let payloads = payloadClicks.map { payload, clicks in
            PayloadClicks(payload: payload, clicks: clicks, uniqueClickers: payloadClickers[payload] ?? 0)
        }.sorted { ($1.clicks, $0.payload) < ($0.clicks, $1.payload) }
        let errors = values.compactMap { metric, count -> ErrorCount? in
            guard metric.hasPrefix("error_code:"), count > 0, let code = Int(metric.dropFirst(11)) else { return nil }
            return ErrorCount(code: code, count: count, meaning: MetaErrorCode.meaning(code))
        }.sorted { ($1.count, $0.code) < ($0.count, $1.code) }
        return DayMetrics(
            day: day, buttonClicks: value("button_clicks"), uniqueClickers: value("unique_clickers"),
            byPayload: payloads,
            deliveries: DeliveryFigures(
                started: value("deliveries_started"), completed: completed, failed: failed,
                inFlight: value("deliveries_in_flight"),
                successRate: completed + failed == 0 ? nil : Double(completed) / Double(completed + failed)),
            latencyMs: latency,
            messages: MessageFigures(
                sent: value("messages_sent"), delivered: value("messages_delivered"), read: value("messages_read"),
                failed: value("messages_failed")),
            templates: TemplateFigures(
                sent: value("templates_sent"), accepted: value("templates_accepted"),
                delivered: value("templates_delivered"), read: value("templates_read"),
                failed: value("templates_failed")),
            errors: errors)
    }
}
