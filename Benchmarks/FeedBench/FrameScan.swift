import Glibc

/// Reads what the tool needs from one feed frame's JSON text, in place and without a JSON parser
/// (a client may see two million frames a second): the frame's `type` and `position`, and the
/// webhook index when the frame is the `webhook.received` event of one of our webhooks (its
/// `data.request_id` is `feedbench-INDEX`, the `X-Request-Id` the sender gave it).
enum FrameScan {
    enum Kind: Equatable {
        case event(position: UInt64)
        case hello(position: UInt64)
        case reset(position: UInt64)
        case other
    }

    static let requestIdPrefix = Array("feedbench-".utf8)
    private static let eventPrefix = Array(#"{"type":"event","position":"#.utf8)
    private static let typePrefix = Array(#"{"type":""#.utf8)

    static func kind(_ text: UnsafeRawBufferPointer) -> Kind {
        // The protocol's own key order, the common case: no scan at all.
        if hasPrefix(text, eventPrefix), let position = integer(text, at: eventPrefix.count) {
            return .event(position: position)
        }
        let type: String?
        if hasPrefix(text, typePrefix), let close = index(of: UInt8(ascii: "\""), in: text, from: typePrefix.count) {
            type = String(decoding: UnsafeRawBufferPointer(rebasing: text[typePrefix.count..<close]), as: UTF8.self)
        } else {
            type = topLevel(text).type
        }
        switch type {
        case "event", "hello", "reset":
            guard let position = topLevel(text).position else { return .other }
            if type == "event" { return .event(position: position) }
            return type == "hello" ? .hello(position: position) : .reset(position: position)
        default:
            return .other
        }
    }

    /// `INDEX` of `feedbench-INDEX` in the frame, if any: only our webhooks' `webhook.received`
    /// events carry it.
    static func webhookIndex(_ text: UnsafeRawBufferPointer) -> Int? {
        guard let base = text.baseAddress, text.count > requestIdPrefix.count else { return nil }
        // memchr for the first byte (vectorised in glibc), then the rest compared.
        var from = 0
        let last = text.count - requestIdPrefix.count
        while from <= last, let found = memchr(base + from, Int32(requestIdPrefix[0]), last - from + 1) {
            let offset = UnsafeRawPointer(found) - base
            if matches(text, requestIdPrefix, at: offset) {
                return integer(text, at: offset + requestIdPrefix.count).map { Int($0) }
            }
            from = offset + 1
        }
        return nil
    }

    private static func matches(_ text: UnsafeRawBufferPointer, _ needle: [UInt8], at offset: Int) -> Bool {
        for index in needle.indices where text[offset + index] != needle[index] { return false }
        return true
    }

    private static func hasPrefix(_ text: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        text.count >= prefix.count && matches(text, prefix, at: 0)
    }

    private static func index(of byte: UInt8, in text: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index < text.count {
            if text[index] == byte { return index }
            index += 1
        }
        return nil
    }

    private static func integer(_ text: UnsafeRawBufferPointer, at start: Int) -> UInt64? {
        var index = start
        var value: UInt64 = 0
        while index < text.count, (0x30...0x39).contains(text[index]) {
            value = value &* 10 &+ UInt64(text[index] - 0x30)
            index += 1
        }
        return index > start ? value : nil
    }

    /// The top-level `type` (a string) and `position` (an integer) in any key order: one pass that
    /// skips nested values and strings. Only for frames not in the protocol's key order.
    static func topLevel(_ text: UnsafeRawBufferPointer) -> (type: String?, position: UInt64?) {
        var type: String?
        var position: UInt64?
        var depth = 0
        var index = 0
        var expectingKey = false
        var key: String?
        while index < text.count {
            let byte = text[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                expectingKey = depth == 1 && byte == UInt8(ascii: "{")
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                index += 1
            case UInt8(ascii: ","):
                expectingKey = depth == 1
                index += 1
            case UInt8(ascii: "\""):
                let end = stringEnd(text, from: index + 1)
                if depth == 1 {
                    let string = String(
                        decoding: UnsafeRawBufferPointer(rebasing: text[(index + 1)..<end]), as: UTF8.self)
                    if expectingKey {
                        key = string
                        expectingKey = false
                    } else if key == "type" {
                        type = string
                    }
                }
                index = end + 1
            case UInt8(ascii: ":"):
                index += 1
                if depth == 1, key == "position" {
                    while index < text.count, text[index] == UInt8(ascii: " ") { index += 1 }
                    position = integer(text, at: index)
                }
            default:
                index += 1
            }
        }
        return (type, position)
    }

    /// The index of the quote that closes the string whose text starts at `start`.
    private static func stringEnd(_ text: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        while index < text.count {
            if text[index] == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if text[index] == UInt8(ascii: "\"") { return index }
            index += 1
        }
        return text.count
    }
}
