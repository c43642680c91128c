public import GRDB

/// `GET /api/webhook/templates`: each template's funnel per day.
public struct TemplatesAnswer: Encodable, Sendable, Equatable {
    public var zone: String
    public var from: String
    public var to: String
    /// Days (oldest first) and templates (by name) with any step counted.
    public var templates: [TemplateDay]
}

public struct TemplateDay: Encodable, Sendable, Equatable {
    public var day: String
    public var template: String
    /// Every step in funnel order: sent, accepted, delivered, read, tapped, content_delivered.
    public var steps: [FunnelStep]
}

public struct FunnelStep: Encodable, Sendable, Equatable {
    public var step: String
    public var count: Int
    /// count / the previous step's count; null for the first step and when the previous is 0.
    public var rate: Double?

    enum CodingKeys: String, CodingKey { case step, count, rate }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(count, forKey: .count)
        try c.encodeOrNull(rate, forKey: .rate)
    }
}

extension Dashboard {
    /// `GET /api/webhook/templates`: the days `from`…`to` (at most 92) in `zone`.
    public static func templates(_ db: Database, from: String, to: String, zone: String) throws -> TemplatesAnswer {
        _ = try DayRange(from: from, to: to)
        let cursor = try Row.fetchCursor(
            db.cachedStatement(
                sql: "SELECT day, template, step, count FROM template_funnel"
                    + " WHERE zone = ? AND day BETWEEN ? AND ? ORDER BY day, template"),
            arguments: [zone, from, to])
        var cells: [(day: String, template: String, counts: [String: Int])] = []
        while let row = try cursor.next() {
            let (day, template, step, count): (String, String, String, Int) = (row[0], row[1], row[2], row[3])
            if cells.last?.day != day || cells.last?.template != template { cells.append((day, template, [:])) }
            cells[cells.count - 1].counts[step] = count
        }
        let templates = cells.map { cell in
            var previous: Int?
            let steps = TemplateFunnelProjection.steps.map { step in
                let count = cell.counts[step] ?? 0
                defer { previous = count }
                return FunnelStep(
                    step: step, count: count, rate: previous.flatMap { $0 == 0 ? nil : Double(count) / Double($0) })
            }
            return TemplateDay(day: cell.day, template: cell.template, steps: steps)
        }
        return TemplatesAnswer(zone: zone, from: from, to: to, templates: templates)
    }
}
