import Domain

/// An event as `replay --format jsonl` prints it (without raw bodies), with its contact.
public struct RecentEvent: Encodable, Sendable, Equatable, CSVRow {
    public var position: UInt64
    public var type: String
    public var version: Int
    public var time: String
    public var stream: String
    public var data: EventData
    public var contact: String?
    /// Why the projections skip it; absent when they do not.
    public var skipped: String?

    enum CodingKeys: String, CodingKey { case position, type, version, time, stream, data, contact, skipped }

    public init(
        position: UInt64, type: String, version: Int, time: String, stream: String, data: EventData, contact: String?,
        skipped: String?
    ) {
        self.position = position
        self.type = type
        self.version = version
        self.time = time
        self.stream = stream
        self.data = data
        self.contact = contact
        self.skipped = skipped
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(position, forKey: .position)
        try c.encode(type, forKey: .type)
        try c.encode(version, forKey: .version)
        try c.encode(time, forKey: .time)
        try c.encode(stream, forKey: .stream)
        try c.encode(data, forKey: .data)
        try c.encodeOrNull(contact, forKey: .contact)
        try c.encodeIfPresent(skipped, forKey: .skipped)
    }

    public static let csvHeader = ["position", "type", "version", "time", "stream", "data", "contact", "skipped"]

    public var csvFields: [String?] {
        [String(position), type, String(version), time, stream, data.json, contact, skipped]
    }
}

/// An event's payload JSON (`EventDataJSON`'s text), encoded as the JSON value it holds.
public struct EventData: Encodable, Sendable, Equatable {
    /// The JSON text, as `replay` prints it.
    public var json: String

    public init(json: String) { self.json = json }

    public func encode(to encoder: any Encoder) throws {
        if let value = try? JSONParser.parse(Array(json.utf8)) {
            try JSONTree(value).encode(to: encoder)
        } else {
            var c = encoder.container(keyedBy: JSONTree.Key.self)
            try c.encode(json, forKey: JSONTree.Key("undecoded_text"))
        }
    }
}

/// A parsed JSON value written back through an `Encoder`, its objects' fields in order.
struct JSONTree: Encodable {
    let value: JSONValue

    init(_ value: JSONValue) { self.value = value }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .object(let object):
            var c = encoder.container(keyedBy: Key.self)
            for field in object.fields { try c.encode(JSONTree(field.value), forKey: Key(field.key)) }
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(JSONTree(item)) }
        default:
            var c = encoder.singleValueContainer()
            switch value {
            case .null: try c.encodeNil()
            case .bool(let flag): try c.encode(flag)
            case .string(let text): try c.encode(text)
            case .number(let number, let exact):
                if let exact {
                    try c.encode(exact)
                } else if number.isFinite {
                    try c.encode(number)
                } else {
                    try c.encodeNil()
                }
            default: break
            }
        }
    }
}

/// A page of `GET /api/webhook/events/recent`, newest first; `nextBefore` is the `before` of the
/// next page (null at the oldest event kept).
public struct RecentEventsPage: Encodable, Sendable, Equatable {
    public var events: [RecentEvent]
    public var nextBefore: UInt64?

    enum CodingKeys: String, CodingKey { case events, nextBefore = "next_before" }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(events, forKey: .events)
        try c.encodeOrNull(nextBefore, forKey: .nextBefore)
    }
}
