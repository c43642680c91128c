public import NIOCore

/// How fresh an answer is, the first fields of every `/api/webhook/*` body: the projections'
/// position it reflects (the lowest checkpoint, read in the answer's transaction), how many log
/// events are not applied yet, and for how long the projections have been behind.
public struct Envelope: Sendable, Equatable, Encodable {
    public var position: UInt64
    public var lagEvents: UInt64
    public var lagMs: Int64

    public init(position: UInt64, lagEvents: UInt64, lagMs: Int64) {
        (self.position, self.lagEvents, self.lagMs) = (position, lagEvents, lagMs)
    }

    enum CodingKeys: String, CodingKey {
        case position
        case lagEvents = "lag_events"
        case lagMs = "lag_ms"
    }

    /// The envelope's fields followed by those of `body`, a JSON object as encoded: one object,
    /// the envelope first. (A route's body is encoded once and kept by `AnswerCache`; the envelope,
    /// whose lag changes with the log, is written anew for every answer.)
    public func wrap(_ body: some Collection<UInt8>) -> ByteBuffer {
        let head = #"{"position":\#(position),"lag_events":\#(lagEvents),"lag_ms":\#(lagMs)"#
        var buffer = ByteBuffer()
        buffer.reserveCapacity(head.utf8.count + body.count + 1)
        buffer.writeString(head)
        // `{}` adds nothing; `{"a":1}` adds `,"a":1}`.
        if body.count > 2 {
            buffer.writeString(",")
            buffer.writeBytes(body.dropFirst())
        } else {
            buffer.writeString("}")
        }
        return buffer
    }
}

/// A route's answer with the envelope's fields first, in the same JSON object.
public struct Enveloped<Body: Encodable>: Encodable {
    public var envelope: Envelope
    public var body: Body

    public init(_ envelope: Envelope, _ body: Body) {
        self.envelope = envelope
        self.body = body
    }

    public func encode(to encoder: any Encoder) throws {
        try envelope.encode(to: encoder)
        try body.encode(to: encoder)
    }
}
