/// JSON bytes of the catalogue's payloads, written by hand: the same bytes as `JSONEncoder`
/// (sorted keys, slashes unescaped, absent optionals left out; `CatalogueCodingTests` compares
/// them byte for byte, for every type with every field set), at a fraction of its cost (it was 7%
/// of ingestion CPU). The writer takes only strings, integers, booleans and nested such values, so
/// writing cannot fail: there is no error to report and no placeholder to write.
public protocol FastJSONEncodable {
    func write(to writer: inout JSONWriter)
}

extension FastJSONEncodable {
    var json: [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.bytes
    }
}

public struct JSONWriter {
    var bytes: [UInt8] = []
    private var needsComma = false

    init() { bytes.reserveCapacity(256) }

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    private mutating func key(_ name: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = true
    }

    // Keys must be given in sorted order (as `.sortedKeys` writes them).
    mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    /// A string map as an object, its keys sorted (label names: `[a-z_]`, where every ordering
    /// `JSONEncoder` may use agrees).
    mutating func field(_ name: StaticString, _ map: [String: String]) {
        key(name)
        self.map(map)
    }

    mutating func map(_ map: [String: String]) {
        bytes.append(UInt8(ascii: "{"))
        for (index, (mapKey, value)) in map.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(mapKey)
            bytes.append(UInt8(ascii: ":"))
            string(value)
        }
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func field(_ name: StaticString, _ value: Int64) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func field(_ name: StaticString, _ value: Int) { field(name, Int64(value)) }

    mutating func field(_ name: StaticString, _ value: Int64?) {
        if let value { field(name, value) }
    }

    mutating func field(_ name: StaticString, _ value: Int?) {
        if let value { field(name, Int64(value)) }
    }

    mutating func field(_ name: StaticString, _ value: Bool?) {
        if let value { field(name, value) }
    }

    mutating func field(_ name: StaticString, _ value: (some FastJSONEncodable)?) {
        if let value { field(name, value) }
    }

    mutating func field(_ name: StaticString, _ values: [some FastJSONEncodable]?) {
        if let values { field(name, values) }
    }

    mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func field(_ name: StaticString, _ value: some FastJSONEncodable) {
        key(name)
        value.write(to: &self)
    }

    mutating func field(_ name: StaticString, _ values: [some FastJSONEncodable]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            value.write(to: &self)
        }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A string as `JSONEncoder` writes it: `"` and `\` escaped, control characters as `\n`-style
    /// escapes or `\u00XX`, everything else (slashes and non-ASCII included) as UTF-8.
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x00..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }
}

extension Sender: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("phone_number_id", phoneNumberId)
            w.field("profile_name", profileName)
            w.field("user_id", userId)
            w.field("wa_id", waId)
        }
    }
}

extension MetaError: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("code", code)
            w.field("details", details)
            w.field("message", message)
            w.field("title", title)
        }
    }
}

extension WebhookReceived: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("body_bytes", bodyBytes)
            w.field("duplicates", duplicates)
            w.field("parse", parse.rawValue)
            w.field("received_at", receivedAt)
            w.field("remote_address", remoteAddress)
            w.field("request_id", requestId)
            w.field("signature", signature.rawValue)
        }
    }
}

extension MessageReceived: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("context_id", contextId)
            w.field("message_type", messageType)
            w.field("sender", sender)
            w.field("text_preview", textPreview)
            w.field("timestamp", timestamp)
            w.field("timestamp_raw", timestampRaw)
            w.field("wamid", wamid)
        }
    }
}

extension ButtonClicked: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("authorized", authorized)
            w.field("context_id", contextId)
            w.field("kind", kind.rawValue)
            w.field("payload", payload)
            w.field("sender", sender)
            w.field("text", text)
            w.field("timestamp", timestamp)
            w.field("timestamp_raw", timestampRaw)
            w.field("wamid", wamid)
        }
    }
}

extension StatusUpdated: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("biz_opaque_callback_data", bizOpaqueCallbackData)
            w.field("conversation_id", conversationId)
            w.field("errors", errors)
            w.field("phone_number_id", phoneNumberId)
            w.field("pricing_category", pricingCategory)
            w.field("recipient_id", recipientId)
            w.field("status", status)
            w.field("timestamp", timestamp)
            w.field("timestamp_raw", timestampRaw)
            w.field("wamid", wamid)
        }
    }
}

extension WebhookError: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("error", error)
            w.field("phone_number_id", phoneNumberId)
        }
    }
}
