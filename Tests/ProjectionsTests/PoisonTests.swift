import Domain
import EventStore
import Foundation
import GRDB
import MetaWebhook
import Testing

@testable import Projections

/// A signed body can carry any value; a stored event can be anything the files hold. None of it
/// may stop a projection: out-of-range values are kept raw and never scaled, and an event a fold
/// cannot apply is recorded as skipped, with its position and reason, while the rest goes on.
@Suite struct PoisonTests {
    /// A template quick-reply tap whose `timestamp` is the JSON text `timestamp`.
    static func click(id: String, timestamp: String, from contact: String = "15550009999") -> [UInt8] {
        Array(
            """
            {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
            "messaging_product":"whatsapp",\
            "metadata":{"display_phone_number":"15550001234","phone_number_id":"106540352242922"},
            "contacts":[{"profile":{"name":"P"},"wa_id":"\(contact)"}],
            "messages":[{"context":{"from":"15550001234","id":"wamid.TPL"},"from":"\(contact)","id":"\(id)",
            "timestamp":\(timestamp),"type":"button","button":{"payload":"unlock:2026-11-24","text":"Unlock"}}]}}]}]}
            """.utf8)
    }

    @Test func timestampsOutside2000To2100AreKeptRawAndFlaggedNotScaled() throws {
        let cases: [(json: String, seconds: Int64, raw: String?)] = [
            ("\"1764000000\"", 1_764_000_000, nil),
            ("1764000000", 1_764_000_000, nil),
            ("\"99999999999999999\"", 0, "99999999999999999"),
            ("99999999999999999", 0, "99999999999999999"),
            ("-9223372036854775808", 0, "-9223372036854775808"),
            ("1e300", 0, "1e+300"),
            ("\"soon\"", 0, "soon"),
            ("\"\"", 0, ""),
            ("\"\(String(repeating: "9", count: 500))\"", 0, String(repeating: "9", count: 64)),
            ("946684799", 0, "946684799"),
            ("4102444800", 0, "4102444800"),
        ]
        for (json, seconds, raw) in cases {
            let facts = WebhookParser.parse(Self.click(id: "wamid.T", timestamp: json)).facts
            let click = try #require(facts.first.flatMap { ButtonClicked(recorded($0)) }, "\(json)")
            #expect(click.timestamp == seconds, "\(json)")
            #expect(click.timestampRaw == raw, "\(json)")
            #expect((click.tappedAtMilliseconds == nil) == (seconds == 0), "\(json)")
        }
    }

    /// The reproduction of issue 13: the click that trapped the conversations projection, as the
    /// parser stores it now and as an older build stored it (the raw seconds in `timestamp`).
    @Test func thePoisonClickProjectsLiveAndRebuiltAlike() async throws {
        let parsed = webhookEvents(Self.click(id: "wamid.POISON", timestamp: "\"99999999999999999\""))
        let stored = ButtonClicked(
            wamid: "wamid.OLD", sender: Sender(waId: "15550008888"), kind: .templateQuickReply, payload: "p", text: nil,
            contextId: nil, timestamp: 99_999_999_999_999_999)
        let status = StatusUpdated(wamid: "wamid.S", status: "delivered", timestamp: .max, recipientId: "15550008888")
        let next = webhookEvents(Self.click(id: "wamid.NEXT", timestamp: "\"1764000000\""))
        let (data, rebuilt) = try await project([parsed, [stored.newEvent(), status.newEvent()], next])
        let live = try liveProjection(of: data.log, chunk: 2)
        #expect(try differences(rebuilt, live).isEmpty)
        for db in [rebuilt, live] {
            #expect(try metric(db, "button_clicks") == 3)
            let inboundAt = try read(db) {
                try Int64.fetchOne($0, sql: "SELECT last_inbound_at FROM conversations WHERE contact = '15550009999'")
            }
            let loggedAt = try logEvents(data.log).first { $0.type == "button.clicked" }?.timestamp
            #expect(
                inboundAt != nil && inboundAt == loggedAt, "an unknown tap time falls back to the time it was logged")
        }
    }

    @Test func eventsNoFoldCanUseAreSkippedWithPositionAndReasonAlike() async throws {
        let click = webhookEvents(Self.click(id: "wamid.A", timestamp: "\"1764000000\""))
        let undecodable = NewEvent(
            type: EventType.buttonClicked.rawValue, stream: "x", data: Array("{\"wamid\":1}".utf8))
        let unknown = NewEvent(type: "log.quarantined", stream: "log", data: Array("{}".utf8))
        let (data, rebuilt) = try await project([click, [undecodable, unknown], click])
        let live = try liveProjection(of: data.log, chunk: 3)
        for db in [rebuilt, live] {
            let skips = try read(db) { try ProjectionSkip.recent($0) }
            // Positions 1-2 are the first webhook (its raw hit and its click).
            #expect(Set(skips.map(\.position)) == [3, 4])
            #expect(
                skips.count == 2 * allProjections.count, "every projection records both (recent events shows them too)")
            #expect(skips.contains { $0.position == 3 && $0.reason.contains("does not decode as button.clicked") })
            #expect(skips.contains { $0.position == 4 && $0.reason.contains("unknown event type log.quarantined") })
            #expect(try metric(db, "button_clicks") == 1)
        }
        let rows = { (db: DatabaseQueue) in
            try read(db) { try Row.fetchAll($0, sql: "SELECT * FROM projection_skips ORDER BY 1, 2") }
        }
        #expect(try rows(rebuilt) == rows(live))
    }

    @Test func anImplausibleLogTimeIsSkippedNotScaled() throws {
        let data = TempData()
        let scratch = try ProjectionDatabase.openScratch(path: data.file("t.sqlite"))
        let click = try #require(webhookEvents(Self.click(id: "wamid.B", timestamp: "\"1764000000\"")).last)
        let events = [Int64.min, -1, 253_402_300_800_000, .max, 1_764_000_000_000].enumerated().map { index, time in
            RecordedEvent(
                position: UInt64(index + 1), timestamp: time, type: click.type, version: 1, stream: click.stream,
                data: click.data, attachment: [])
        }
        try write(scratch) { db in
            _ = try engine.prepare(db)
            try engine.apply(events, db)
        }
        let skips = try read(scratch) { try ProjectionSkip.recent($0) }
        #expect(Set(skips.map(\.position)) == [1, 2, 3, 4])
        #expect(skips.allSatisfy { $0.reason.contains("not a plausible time") })
        #expect(try metric(scratch, "button_clicks") == 1)
    }

    /// A fold that throws on one event: that event is skipped (with the error as its reason), the
    /// others are applied exactly once, and the projection's checkpoint moves past it.
    @Test func aFoldThatFailsOnOneEventSkipsOnlyThatEvent() throws {
        let failing = FailingProjection(failAt: 3)
        let engine = ProjectionEngine(projections: [failing, MetricsProjection(reportingTimeZone: "UTC")])
        let data = TempData()
        let scratch = try ProjectionDatabase.openScratch(path: data.file("f.sqlite"))
        let click = try #require(webhookEvents(Self.click(id: "wamid.C", timestamp: "\"1764000000\"")).last)
        let events = (1...6).map { position in
            RecordedEvent(
                position: UInt64(position), timestamp: 1_764_000_000_000, type: click.type, version: 1,
                stream: click.stream,
                data: click.data, attachment: [])
        }
        try write(scratch) { db in
            _ = try engine.prepare(db)
            try engine.apply(Array(events[0..<4]), db)
            try engine.apply(Array(events[4...]), db)
        }
        let skips = try read(scratch) { try ProjectionSkip.recent($0) }
        #expect(skips.map(\.position) == [3])
        #expect(skips.first?.projection == "failing")
        #expect(skips.first?.reason.contains("could not be applied") == true)
        let counted = try read(scratch) { try Int.fetchOne($0, sql: "SELECT SUM(n) FROM failing_counts") }
        #expect(counted == 5, "each applied event counted once, none twice after the retry")
        let states = try read(scratch) { try ProjectionState.all($0) }
        #expect(states["failing"]?.checkpoint == 6)
        #expect(states["failing"]?.applied == 5)
        #expect(states["failing"]?.skipped == 1)
        #expect(states["metrics"]?.applied == 6)
    }
}

/// A projection whose fold throws (as a constraint violation would) at one position; it counts
/// the events it applied in the batch, written at the end of the batch.
struct FailingProjection: Projection {
    let failAt: UInt64
    let name = "failing"
    let version = 1
    var schema: [TableSchema] { [Self.counts] }

    static let counts = TableSchema(
        "failing_counts", withoutRowID: false, [.init("batch", "INTEGER"), .init("n", "INTEGER NOT NULL")])

    struct Failure: Error {}

    func fold(_ store: RowStore) -> any ProjectionFold { Fold(store.table(Self.counts), failAt: failAt) }

    final class Fold: ProjectionFold {
        let counts: RowTable<Int64, Int64>
        let failAt: UInt64
        var value: Int64 = 0

        init(_ counts: RowTable<Int64, Int64>, failAt: UInt64) {
            self.counts = counts
            self.failAt = failAt
        }

        func apply(_ event: RecordedEvent, _ fact: DomainFact) throws -> Bool {
            value += 1
            if event.position == failAt { throw Failure() }
            return true
        }

        func finish(last: RecordedEvent) { counts[Int64(last.position)] = value }
    }
}

func recorded(_ event: NewEvent, position: UInt64 = 1, timestamp: Int64 = 1_764_000_000_000) -> RecordedEvent {
    RecordedEvent(
        position: position, timestamp: timestamp, type: event.type, version: event.version, stream: event.stream,
        data: event.data, attachment: event.attachment)
}

func logEvents(_ directory: String) throws -> [RecordedEvent] {
    var iterator = try LogReader.open(directory: directory).events().makeAsyncIterator()
    var events: [RecordedEvent] = []
    while let event = try iterator.nextEvent() { events.append(event) }
    return events
}

/// The projections applied live (through the engine, `chunk` events per transaction) from a log.
func liveProjection(of log: String, chunk: Int) throws -> DatabaseQueue {
    let queue = try ProjectionDatabase.openScratch(path: log + "-live-\(UUID().uuidString).sqlite")
    let events = try logEvents(log)
    try write(queue) { db in _ = try engine.prepare(db) }
    for start in stride(from: 0, to: events.count, by: chunk) {
        try write(queue) { db in try engine.apply(Array(events[start..<min(start + chunk, events.count)]), db) }
    }
    return queue
}

/// A skip's reason is shown by health: a database error gives its code and message, not its SQL.
@Test func aDatabaseErrorsSkipReasonHoldsNoSQL() {
    let error = DatabaseError(
        resultCode: .SQLITE_CONSTRAINT, message: "UNIQUE constraint failed: t.k",
        sql: "INSERT INTO secret_table (k) VALUES (?)", arguments: ["value-from-the-event"])
    let reason = ProjectionEngine.failed(error)
    #expect(reason == "could not be applied: SQLite error 19 (UNIQUE constraint failed: t.k)")
    #expect(!reason.contains("INSERT") && !reason.contains("value-from-the-event"))
}

/// `rebuild` and `project` keep the settings the projections were built with (serve's reporting
/// zone), and fall back to the defaults for a file with none or a value that is not valid.
@Test func storedSettingsAreTheOnesTheProjectionsWereBuiltWith() throws {
    let data = TempData()
    var chosen = ProjectionSettings()
    chosen.reportingTimeZone = "America/Sao_Paulo"
    chosen.realtimeRetentionHours = 3
    let queue = try ProjectionDatabase.openScratch(path: data.file("p.sqlite"))
    try queue.write { db in _ = try ProjectionEngine(projections: chosen.projections()).prepare(db) }
    #expect(try queue.read { try ProjectionSettings.stored($0) } == chosen)
    try queue.write { db in
        try db.execute(sql: "UPDATE projection_state SET settings = 'zone=Mars/Olympus' WHERE name = 'metrics'")
    }
    #expect(try queue.read { try ProjectionSettings.stored($0) }.reportingTimeZone == "UTC")
    #expect(try ProjectionSettings.stored(atPath: data.file("none.sqlite")) == ProjectionSettings())
}
