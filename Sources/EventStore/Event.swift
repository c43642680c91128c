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
    public var data: [UInt8]
    public var attachment: [UInt8]

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
    public var type: String
    public var version: UInt16
    public var stream: String
    public var data: [UInt8]
    public var attachment: [UInt8]

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
