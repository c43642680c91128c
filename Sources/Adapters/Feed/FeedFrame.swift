import Domain
import NIOCore
import Projections

/// One frame of the live feed: its JSON encoded once, shared by every client it goes to.
struct FeedFrame: Sendable {
    enum Kind: String, Sendable {
        case hello, event, stats, heartbeat, reset
    }

    let kind: Kind
    /// An event's own position; the feed's position for the other kinds.
    let position: UInt64
    /// An event's type and contact (what the clients' filters look at).
    let eventType: String?
    let contact: String?
    /// The frame's JSON text.
    let json: ByteBuffer

    var bytes: Int { json.readableBytes }

    private init(_ kind: Kind, position: UInt64, eventType: String? = nil, contact: String? = nil, json: [UInt8]) {
        self.kind = kind
        self.position = position
        self.eventType = eventType
        self.contact = contact
        self.json = ByteBuffer(bytes: json)
    }

    /// `{"type":"event","position":N,"event":{...}}`, the event as `/api/webhook/events/recent` lists it.
    static func event(_ event: RecentEvent) throws -> FeedFrame {
        try FeedFrame(
            .event, position: event.position, eventType: event.type, contact: event.contact,
            json: object("event", position: event.position, [("event", JSONAnswer.encode(event))]))
    }

    /// `{"type":"hello","position":P,"oldest":O,"heartbeat_seconds":S,"from":F}`.
    static func hello(position: UInt64, oldest: UInt64, heartbeatSeconds: Int, from: UInt64?) -> FeedFrame {
        FeedFrame(
            .hello, position: position,
            json: object(
                "hello", position: position,
                [
                    ("oldest", Array(String(oldest).utf8)), ("heartbeat_seconds", Array(String(heartbeatSeconds).utf8)),
                    ("from", Array((from.map(String.init) ?? "null").utf8)),
                ]))
    }

    /// `{"type":"stats","position":P,"now":T,"one_minute":{...}}`: the realtime last minute, as
    /// `/api/webhook/stats/realtime`'s `windows["1m"]`.
    static func stats(position: UInt64, now: Int64, oneMinute: Rates) throws -> FeedFrame {
        try FeedFrame(
            .stats, position: position,
            json: object(
                "stats", position: position,
                [
                    ("now", JSONAnswer.encode(LogTime.rfc3339(milliseconds: now))),
                    ("one_minute", JSONAnswer.encode(oneMinute)),
                ]
            ))
    }

    /// `{"type":"heartbeat","position":P,"now":T}`.
    static func heartbeat(position: UInt64, now: Int64) throws -> FeedFrame {
        try FeedFrame(
            .heartbeat, position: position,
            json: object(
                "heartbeat", position: position, [("now", JSONAnswer.encode(LogTime.rfc3339(milliseconds: now)))]))
    }

    /// `{"type":"reset","position":P,"oldest":O,"reason":...}`: events after P follow; those
    /// before were not sent, and the client reloads them through the REST API.
    static func reset(oldest: UInt64, position: UInt64, reason: String) throws -> FeedFrame {
        try FeedFrame(
            .reset, position: position,
            json: object(
                "reset", position: position,
                [("oldest", Array(String(oldest).utf8)), ("reason", JSONAnswer.encode(reason))]))
    }

    /// `{"type":TYPE,"position":P,...}`: `type` and `position` first, for people reading the feed;
    /// `members` are (key, JSON value).
    private static func object(_ type: String, position: UInt64, _ members: [(String, [UInt8])]) -> [UInt8] {
        var json = Array("{\"type\":\"\(type)\",\"position\":\(position)".utf8)
        for (key, value) in members {
            json += Array(",\"\(key)\":".utf8)
            json += value
        }
        json.append(UInt8(ascii: "}"))
        return json
    }
}
