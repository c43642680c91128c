import Crypto

/// The `ETag` of an answer: a hash of the projections' position and what was asked (path,
/// normalized query, representation), so that the same question at the same position has the
/// same tag, and `If-None-Match` can be answered 304 from the position in memory alone.
struct EntityTag: Equatable, Sendable {
    /// Quoted, as sent: `"1f3a..."`.
    let value: String

    init(position: UInt64, representation: String) {
        let digest = SHA256.hash(data: Array("\(position)\n\(representation)".utf8))
        value = "\"" + digest.prefix(16).map { Self.hex($0) }.joined() + "\""
    }

    /// Whether an `If-None-Match` header names this tag (weak or strong), or is `*`.
    func isMatched(by header: String?) -> Bool {
        guard let header else { return false }
        for candidate in header.split(separator: ",") {
            var tag = candidate.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            while tag.last == " " || tag.last == "\t" { tag = tag.dropLast() }
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == value { return true }
        }
        return false
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
