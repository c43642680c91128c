/// The records of one batch, before compression.
///
/// Each record: `u32 length` (of what follows), `i64 timestamp`, `u16 version`,
/// `u16 type length` + type, `u16 stream length` + stream, `u32 data length` + data,
/// `u32 attachment length` + attachment. Positions are not stored: record *i* of a batch
/// has position `base + i`.
enum RecordCodec {
    static let maxTypeBytes = 255
    static let maxStreamBytes = 1024
    static let fixedBytes = 4 + 8 + 2 + 2 + 2 + 4 + 4

    static func encodedSize(_ event: NewEvent) -> Int {
        fixedBytes + event.type.utf8.count + event.stream.utf8.count + event.data.count + event.attachment.count
    }

    static func append(_ event: NewEvent, timestamp: Int64, to out: inout [UInt8]) {
        let typeCount = event.type.utf8.count
        let streamCount = event.stream.utf8.count
        let length = 8 + 2 + 2 + typeCount + 2 + streamCount + 4 + event.data.count + 4 + event.attachment.count
        out.appendLittleEndian(UInt32(length))
        out.appendLittleEndian(timestamp)
        out.appendLittleEndian(event.version)
        out.appendLittleEndian(UInt16(typeCount))
        out.append(contentsOf: event.type.utf8)
        out.appendLittleEndian(UInt16(streamCount))
        out.append(contentsOf: event.stream.utf8)
        out.appendLittleEndian(UInt32(event.data.count))
        out.append(contentsOf: event.data)
        out.appendLittleEndian(UInt32(event.attachment.count))
        out.append(contentsOf: event.attachment)
    }

    /// Decodes exactly `count` records; `nil` when the bytes do not hold them.
    ///
    /// `count` comes from disk: it is checked against what the bytes can hold (every record takes
    /// at least `fixedBytes`) before anything is reserved for it.
    static func decode(_ bytes: [UInt8], count: Int, basePosition: UInt64) -> [RecordedEvent]? {
        guard count >= 0, count <= bytes.count / fixedBytes,
            basePosition > 0, basePosition <= UInt64.max - UInt64(count)
        else { return nil }
        return bytes.withUnsafeBytes { raw -> [RecordedEvent]? in
            var cursor = ByteCursor(raw)
            var events: [RecordedEvent] = []
            events.reserveCapacity(count)
            for index in 0..<count {
                guard let length = cursor.read(UInt32.self), let body = cursor.readBytes(Int(length)) else {
                    return nil
                }
                var record = ByteCursor(body)
                guard let timestamp = record.read(Int64.self),
                    let version = record.read(UInt16.self),
                    let typeLength = record.read(UInt16.self), let type = record.readBytes(Int(typeLength)),
                    let streamLength = record.read(UInt16.self), let stream = record.readBytes(Int(streamLength)),
                    let dataLength = record.read(UInt32.self), let data = record.readBytes(Int(dataLength)),
                    let attachmentLength = record.read(UInt32.self),
                    let attachment = record.readBytes(Int(attachmentLength)),
                    record.remaining == 0
                else { return nil }
                events.append(
                    RecordedEvent(
                        position: basePosition + UInt64(index), timestamp: timestamp,
                        type: String(decoding: type, as: UTF8.self), version: version,
                        stream: String(decoding: stream, as: UTF8.self), data: [UInt8](data),
                        attachment: [UInt8](attachment)))
            }
            return cursor.remaining == 0 ? events : nil
        }
    }
}
