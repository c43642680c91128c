/// JSON written directly into bytes, for the answers served thousands of times a second (metrics,
/// health, realtime): Foundation's `JSONEncoder` costs more than their queries. Each such answer
/// gives its members as `jsonMembers` (`"key":value,...`, no braces): the same JSON its
/// `Encodable` conformance writes, so the HTTP layer can put the envelope's fields before them.
public protocol JSONMembers {
    /// The members, UTF-8.
    func writeMembers(_ writer: inout JSONWriter)
}

extension JSONMembers {
    public var jsonMembers: String {
        var writer = JSONWriter()
        writeMembers(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// Appends JSON to a byte buffer; commas are placed by the writer.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    mutating func key(_ key: StaticString) {
        comma()
        bytes.append(0x22)
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [0x22, 0x3A])
        needsComma = false
    }

    mutating func open() {
        comma()
        bytes.append(0x7B)
        needsComma = false
    }

    mutating func close() {
        bytes.append(0x7D)
        needsComma = true
    }

    mutating func openArray() {
        comma()
        bytes.append(0x5B)
        needsComma = false
    }

    mutating func closeArray() {
        bytes.append(0x5D)
        needsComma = true
    }

    mutating func null() { literal("null") }

    mutating func bool(_ value: Bool) { literal(value ? "true" : "false") }

    mutating func int(_ value: some BinaryInteger) {
        comma()
        var magnitude = UInt64(value.magnitude)
        if value < 0 { bytes.append(0x2D) }
        var digits: (UInt64, Int) = (0, 0)
        repeat {
            digits.0 = digits.0 &* 10 &+ magnitude % 10
            digits.1 += 1
            magnitude /= 10
        } while magnitude > 0 && digits.1 < 19
        if magnitude > 0 {  // 20 digits: rare enough for the slow way
            bytes.append(contentsOf: Array(String(value.magnitude).utf8))
        } else {
            // `digits.0` holds the digits reversed; a value ending in zeros kept them in `digits.1`.
            var reversed = digits.0
            for _ in 0..<digits.1 {
                bytes.append(UInt8(48 + reversed % 10))
                reversed /= 10
            }
        }
        needsComma = true
    }

    mutating func int(_ value: (some BinaryInteger)?) {
        if let value { int(value) } else { null() }
    }

    mutating func number(_ value: Double?) {
        guard let value, value.isFinite else { return null() }
        if value == value.rounded() && abs(value) < 1e15 { return int(Int64(value)) }
        literal("\(value)")
    }

    mutating func string(_ text: String?) {
        guard let text else { return null() }
        comma()
        bytes.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
        needsComma = true
    }

    private mutating func literal(_ text: String) {
        comma()
        bytes.append(contentsOf: Array(text.utf8))
        needsComma = true
    }

    private mutating func comma() {
        if needsComma { bytes.append(0x2C) }
    }
}
