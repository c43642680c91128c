/// Writes the binary parts of a saga snapshot: LEB128 varints, zigzag-signed varints and
/// length-prefixed UTF-8 strings (so a key costs its bytes plus one or two, not twice its JSON).
struct SnapshotBytesWriter {
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func unsigned(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func signed(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func string(_ value: String) {
        unsigned(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func block(_ value: [UInt8]) {
        unsigned(UInt64(value.count))
        bytes.append(contentsOf: value)
    }
}

/// Reads what `SnapshotBytesWriter` wrote; every read is `nil` when the bytes end early or a
/// varint is longer than 64 bits, so a damaged payload is refused, never trusted.
struct SnapshotBytesReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func unsigned() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    mutating func signed() -> Int64? {
        guard let raw = unsigned() else { return nil }
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// A length that must fit in what is left (checked before anything is allocated for it).
    mutating func count() -> Int? {
        guard let raw = unsigned(), raw <= UInt64(remaining) else { return nil }
        return Int(raw)
    }

    mutating func string() -> String? {
        guard let count = count() else { return nil }
        defer { offset += count }
        return bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[offset..<offset + count]), as: UTF8.self)
        }
    }

    mutating func block() -> ArraySlice<UInt8>? {
        guard let count = count() else { return nil }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }
}
