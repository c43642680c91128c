/// An event to append: the log assigns its position and time.
///
/// The log stores `data` and `attachment` as opaque bytes. By convention `data` is the payload
/// as JSON and `attachment` carries bytes that must be kept exactly (e.g. a raw webhook body).
public struct NewEvent: Sendable, Equatable {
    /// Type name, e.g. `button.clicked`. At most 255 bytes of UTF-8.
    public var type: String
    /// Version of the payload schema for this type.
    public var version: UInt16
    /// Stream key, e.g. a contact's wa_id or a delivery id. At most 1024 bytes of UTF-8.
    public var stream: String
    /// The payload, stored as opaque bytes (by convention JSON).
    public var data: [UInt8]
    /// Extra bytes kept exactly as given, e.g. the raw webhook body; empty when there are none.
    public var attachment: [UInt8]

    /// Makes an event to pass to ``EventLog/append(_:)-([NewEvent])``.
    ///
    /// Nothing is checked here; ``EventLog/append(_:)-([NewEvent])`` rejects an empty or too long
    /// `type`, a too long `stream` or an event larger than
    /// ``EventLogConfiguration/maxEventBytes`` with ``EventLogError/Code/invalidEvent``.
    ///
    /// - Parameters:
    ///   - type: The type name, 1 to 255 bytes of UTF-8.
    ///   - version: The version of the payload schema for this type (1 when not given).
    ///   - stream: The stream key, at most 1024 bytes of UTF-8 (may be empty).
    ///   - data: The payload bytes.
    ///   - attachment: Bytes to keep exactly (none when not given).
    public init(type: String, version: UInt16 = 1, stream: String, data: [UInt8], attachment: [UInt8] = []) {
        self.type = type
        self.version = version
        self.stream = stream
        self.data = data
        self.attachment = attachment
    }
}

/// An event as it stands in the log.
public struct RecordedEvent: Sendable, Equatable {
    /// Global position: assigned by the log, gapless, starting at 1.
    public var position: UInt64
    /// Time the log recorded the event, in milliseconds since the Unix epoch.
    /// Non-decreasing along the log.
    public var timestamp: Int64
    /// Type name, as appended (see ``NewEvent/type``).
    public var type: String
    /// Version of the payload schema, as appended.
    public var version: UInt16
    /// Stream key, as appended.
    public var stream: String
    /// The payload bytes, exactly as appended.
    public var data: [UInt8]
    /// The attachment bytes, exactly as appended (empty when there were none).
    public var attachment: [UInt8]

    /// Makes a recorded event from its parts, as the log decodes it (tests and tools build
    /// expected events with it). Nothing is checked.
    ///
    /// - Parameters:
    ///   - position: The global position, from 1.
    ///   - timestamp: When the log recorded it, in milliseconds since the Unix epoch.
    ///   - type: The type name.
    ///   - version: The version of the payload schema.
    ///   - stream: The stream key.
    ///   - data: The payload bytes.
    ///   - attachment: The attachment bytes.
    public init(
        position: UInt64, timestamp: Int64, type: String, version: UInt16, stream: String, data: [UInt8],
        attachment: [UInt8]
    ) {
        self.position = position
        self.timestamp = timestamp
        self.type = type
        self.version = version
        self.stream = stream
        self.data = data
        self.attachment = attachment
    }
}
