import Crypto
import Foundation

/// Meta's `X-Hub-Signature-256`: `sha256=` and the lowercase hex HMAC-SHA256 of the raw body,
/// keyed with the app secret. Checked in constant time over the bytes as received.
public struct WebhookSignature: Sendable {
    public enum Check: String, Sendable, CaseIterable {
        case valid
        /// No `X-Hub-Signature-256` header (a `X-Hub-Signature: sha1=` one does not count).
        case missing
        /// Not `sha256=` followed by 64 hex digits.
        case malformed
        /// Well-formed, but not the HMAC of this body with our secret.
        case mismatch
    }

    /// Keyed once: each check copies it (the key's two hash blocks are not hashed again).
    private let keyed: HMAC<SHA256>
    /// A blank secret authenticates nothing: anyone could sign with it.
    private let usable: Bool

    public init(appSecret: String) {
        keyed = HMAC(key: SymmetricKey(data: Array(appSecret.utf8)))
        usable = !appSecret.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    public func check(header: String?, body: [UInt8]) -> Check {
        guard let header else { return .missing }
        guard let digest = Self.digest(header: header) else { return .malformed }
        guard usable else { return .mismatch }
        return authenticationCode(for: body) == digest ? .valid : .mismatch  // swift-crypto's == is constant-time
    }

    private func authenticationCode(for body: [UInt8]) -> HMAC<SHA256>.MAC {
        var mac = keyed
        mac.update(data: body)
        return mac.finalize()
    }

    /// The 32 bytes of `sha256=<64 hex digits>` (prefix in any case, blanks around allowed).
    static func digest(header: String) -> [UInt8]? {
        var value = Substring(header).utf8
        while let first = value.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { value.removeFirst() }
        while let last = value.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { value.removeLast() }
        let prefix = "sha256=".utf8
        guard value.count == prefix.count + 64,
            zip(value.prefix(prefix.count), prefix).allSatisfy({ lowercased($0) == $1 })
        else { return nil }
        return bytes(hex: value.dropFirst(prefix.count))
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    /// The header value for `body` (what Meta, or the simulator, sends).
    public func header(for body: [UInt8]) -> String {
        let mac = authenticationCode(for: body)
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    private static func bytes(hex: Substring.UTF8View) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var high: UInt8?
        for character in hex {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes.count == 32 && high == nil ? bytes : nil
    }
}
